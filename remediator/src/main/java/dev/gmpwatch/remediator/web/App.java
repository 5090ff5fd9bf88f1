package dev.gmpwatch.remediator.web;

import dev.gmpwatch.remediator.core.AuditEntry;
import dev.gmpwatch.remediator.core.Decision;
import dev.gmpwatch.remediator.core.PendingIntent;
import dev.gmpwatch.remediator.core.StoreException;
import dev.gmpwatch.remediator.core.TargetRecord;
import dev.gmpwatch.remediator.engine.Executor;
import dev.gmpwatch.remediator.engine.Remediator;
import dev.gmpwatch.remediator.engine.RemediatorMetrics;
import dev.gmpwatch.remediator.engine.StateView;
import dev.gmpwatch.remediator.webhook.Authenticator;
import dev.gmpwatch.remediator.webhook.BadPayloadException;
import dev.gmpwatch.remediator.webhook.PayloadParser;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the Javalin application: the webhook, the audit and state APIs, metrics and health. */
public final class App {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private App() {
    }

    public static Javalin create(Remediator remediator, Executor executor, StateView state, Authenticator auth,
                                 RemediatorMetrics metrics, long maxBodyBytes) {
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = maxBodyBytes;
        });
        app.before(ctx -> {
            String path = ctx.path();
            boolean open = path.equals("/healthz") || path.equals("/readyz") || path.equals("/metrics");
            if (!open && !auth.allows(ctx.header("Authorization"))) {
                ctx.header("WWW-Authenticate", "Bearer");
                reject(ctx, 401, "missing or wrong credentials");
                ctx.skipRemainingHandlers();
            }
        });
        app.post("/webhook/alertmanager", ctx -> webhook(ctx, remediator, executor, metrics, maxBodyBytes));
        app.get("/api/v1/actions", ctx -> {
            int limit = intParam(ctx, "limit", 100, 1, 1000);
            int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
            if (limit < 0 || offset < 0) {
                return;
            }
            List<Map<String, Object>> page = state.audit(limit, offset).stream()
                    .map(App::auditJson).toList();
            ctx.json(Map.of("actions", page, "limit", limit, "offset", offset));
        });
        app.get("/api/v1/state", ctx -> {
            List<Map<String, Object>> open = state.openCircuits().stream().map(App::circuitJson).toList();
            List<Map<String, Object>> pending = state.pendingIntents().stream().map(App::pendingJson).toList();
            ctx.json(Map.of("openCircuits", open, "pendingActions", pending));
        });
        app.get("/metrics", ctx -> {
            StringWriter w = new StringWriter();
            TextFormat.write004(w, metrics.registry.metricFamilySamples());
            ctx.contentType(TextFormat.CONTENT_TYPE_004).result(w.toString());
        });
        app.get("/healthz", ctx -> ctx.result("ok\n"));
        app.get("/readyz", ctx -> {
            try {
                state.checkReachable();
                ctx.result("ready\n");
            } catch (StoreException e) {
                reject(ctx, 503, "store unavailable");
            }
        });
        app.exception(StoreException.class, (e, ctx) -> reject(ctx, 503, unavailable(e)));
        return app;
    }

    private static void webhook(Context ctx, Remediator remediator, Executor executor, RemediatorMetrics metrics,
                                long maxBodyBytes) {
        long t0 = System.nanoTime();
        try {
            String type = ctx.contentType() == null ? "" : ctx.contentType().split(";")[0].strip();
            if (!type.equalsIgnoreCase("application/json")) {
                reject(ctx, 415, "Content-Type must be application/json");
                return;
            }
            byte[] body = ctx.bodyAsBytes();
            if (body.length > maxBodyBytes) {
                reject(ctx, 413, "body over " + maxBodyBytes + " bytes");
                return;
            }
            List<Remediator.AlertDecision> decisions = remediator.handle(PayloadParser.parse(body));
            if (decisions.stream().anyMatch(d -> d.decision() == Decision.QUEUED)) {
                executor.wake(); // otherwise nothing new to run: duplicates and refusals must not spin it
            }
            ctx.json(Map.of("status", "accepted", "decisions", decisions.stream().map(App::decisionJson).toList()));
        } catch (BadPayloadException e) {
            reject(ctx, 400, e.getMessage());
        } catch (StoreException e) {
            reject(ctx, 503, unavailable(e));
        } finally {
            metrics.webhookRequests.labels(Integer.toString(ctx.statusCode())).inc();
            metrics.requestLatency.observe((System.nanoTime() - t0) / 1e9);
        }
    }

    /** A one-line 503 reason; Alertmanager retries a 5xx, so nothing is lost. */
    private static String unavailable(StoreException e) {
        String why = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return "store unavailable, retry later (" + why + ")";
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        reject(ctx, 400, name + " must be an integer in " + min + ".." + max);
        return -1;
    }

    private static Map<String, Object> auditJson(AuditEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("time", Instant.ofEpochMilli(e.at()).toString());
        m.put("fingerprint", e.fingerprint());
        try {
            m.put("labels", e.labels() == null ? null : JSON.readTree(e.labels()));
        } catch (java.io.IOException ex) {
            m.put("labels", e.labels());
        }
        m.put("policy", e.policy());
        m.put("action", e.action());
        m.put("target", e.target());
        m.put("decision", e.decision().label());
        m.put("result", e.result());
        return m;
    }

    private static Map<String, Object> decisionJson(Remediator.AlertDecision d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fingerprint", d.fingerprint());
        m.put("policy", d.policy());
        m.put("target", d.target());
        m.put("decision", d.decision().label());
        m.put("result", d.result());
        return m;
    }

    private static Map<String, Object> pendingJson(PendingIntent p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("target", p.target());
        m.put("op", p.op());
        m.put("policy", p.policy());
        m.put("status", p.status().label());
        m.put("attempts", p.attempts());
        m.put("nextAttemptAt", p.notBefore() == 0 ? null : Instant.ofEpochMilli(p.notBefore()).toString());
        m.put("lastError", p.lastError());
        m.put("queuedAt", Instant.ofEpochMilli(p.createdAt()).toString());
        return m;
    }

    private static Map<String, Object> circuitJson(TargetRecord k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", k.key());
        m.put("action", k.actionType());
        m.put("policy", k.policy());
        m.put("openedAt", k.openedAt() == null ? null : Instant.ofEpochMilli(k.openedAt()).toString());
        m.put("restoreAt", k.restoreAt() == null ? null : Instant.ofEpochMilli(k.restoreAt()).toString());
        m.put("frozen", k.frozen());
        return m;
    }

    private static void reject(Context ctx, int code, String reason) {
        ctx.status(code).json(Map.of("error", reason));
    }
}
