package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.policy.Policies;
import dev.gmpwatch.remediator.policy.UnsafeLabelException;
import dev.gmpwatch.remediator.store.AuditEntry;
import dev.gmpwatch.remediator.store.Circuit;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.store.Intent;
import dev.gmpwatch.remediator.store.Store;
import dev.gmpwatch.remediator.web.RemediatorMetrics;
import dev.gmpwatch.remediator.webhook.Alert;
import dev.gmpwatch.remediator.webhook.BadPayloadException;
import dev.gmpwatch.remediator.webhook.PayloadParser;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides, alert by alert, what a notification means: deduplicate on (fingerprint, status,
 * startsAt), then open a circuit on firing (within rate limits and caps) or schedule its restore
 * on resolved. Decisions and the intents they queue commit in one transaction, before the 200.
 */
public final class Remediator {
    private final Database db;
    private final Policies policies;
    private final Clock clock;
    private final RemediatorMetrics metrics;
    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
    private final GroupCommit<Pending, List<Decision>> commits;

    public Remediator(Database db, Policies policies, Clock clock, RemediatorMetrics metrics) {
        this.db = db;
        this.policies = policies;
        this.clock = clock;
        this.metrics = metrics;
        this.commits = new GroupCommit<>(this::decideBatch);
    }

    /** A decision about one alert and one policy. */
    public record Decision(String fingerprint, String policy, String target, String decision, String result) {
    }

    /**
     * Handles one notification. Every alert's targets are rendered first, so an unsafe label
     * rejects the whole notification before anything is written. Concurrent notifications are
     * committed together (group commit): one transaction for everything waiting, in arrival order.
     */
    public List<Decision> handle(List<Alert> alerts) throws BadPayloadException {
        List<List<Policies.Match>> matches = new ArrayList<>();
        for (Alert a : alerts) {
            try {
                matches.add(policies.match(a.labels()));
            } catch (UnsafeLabelException e) {
                throw new BadPayloadException("alert " + a.fingerprint() + ": " + e.getMessage());
            }
        }
        List<Decision> decisions = commits.submit(new Pending(alerts, matches));
        decisions.forEach(d -> metrics.decisions.labels(d.decision()).inc());
        return decisions;
    }

    /** One notification waiting for the next group commit. */
    record Pending(List<Alert> alerts, List<List<Policies.Match>> matches) {
    }

    /** Decides a batch of notifications in one transaction. */
    private List<List<Decision>> decideBatch(List<Pending> batch) {
        return db.transaction(c -> {
            List<List<Decision>> all = new ArrayList<>();
            long now = clock.millis();
            for (Pending p : batch) {
                List<Decision> out = new ArrayList<>();
                for (int i = 0; i < p.alerts().size(); i++) {
                    Alert a = p.alerts().get(i);
                    boolean fresh = Store.markSeen(c, a.fingerprint(), a.status(), a.startsAt(), now);
                    for (Policies.Match m : p.matches().get(i)) {
                        Decision d = fresh ? decide(c, a, m, now) : new Decision(a.fingerprint(), m.policy().name(),
                                m.target().key(), AuditEntry.SKIPPED_DUPLICATE, "notification seen before");
                        audit(c, now, a, m, d);
                        out.add(d);
                    }
                }
                all.add(out);
            }
            return all;
        });
    }

    private Decision decide(Connection c, Alert a, Policies.Match m, long now) throws SQLException {
        PolicyConfig p = m.policy();
        String key = m.target().key();
        if (m.target().type().equals("gomaxprocs")) {
            // Per policy and target: a refused step up must not use up the budget of a step down.
            Optional<String> limited = a.firing() ? rateLimited(p, p.name() + ":" + key) : Optional.empty();
            if (limited.isPresent()) {
                return decision(a, m, AuditEntry.SKIPPED_RATE_LIMITED, limited.get());
            }
            String[] d = GomaxprocsSteps.decide(c, a.firing(), p, m.target(), a.fingerprint(),
                    PayloadParser.labelsJson(a.labels()), now);
            return decision(a, m, d[0], d[1]);
        }
        Circuit circuit = Store.circuit(c, key).orElse(null);
        if (a.firing()) {
            if (circuit != null && circuit.isOpen()) {
                if (circuit.restoreAt() != null) {
                    Store.saveCircuit(c, circuit.with("open", circuit.openedAt(), null, circuit.frozen()));
                    return decision(a, m, AuditEntry.EXECUTED, "restore cancelled: fired again before the deadline");
                }
                return decision(a, m, AuditEntry.SKIPPED_DUPLICATE, "circuit already open");
            }
            if (m.target().type().equals("haproxy")
                    && Store.openInBackend(c, m.target().haproxy(), m.target().backend()) >= p.maxOpenPerBackend()) {
                return decision(a, m, AuditEntry.SKIPPED_RATE_LIMITED,
                        "cap: " + p.maxOpenPerBackend() + " circuit(s) already open in backend " + m.target().backend());
            }
            Optional<String> limited = rateLimited(p, key);
            if (limited.isPresent()) {
                return decision(a, m, AuditEntry.SKIPPED_RATE_LIMITED, limited.get());
            }
            Store.saveCircuit(c, new Circuit(key, p.name(), m.target(), "open", now, null, false));
            Store.enqueue(c, key, Intent.OPEN, p.name(), a.fingerprint(), PayloadParser.labelsJson(a.labels()), now);
            return decision(a, m, "queued", "open queued");
        }
        if (circuit == null || !circuit.isOpen()) {
            return decision(a, m, AuditEntry.SKIPPED_DUPLICATE, "resolved, and the circuit is not open");
        }
        if (circuit.frozen()) {
            return decision(a, m, AuditEntry.SKIPPED_HYSTERESIS, "frozen open by the flap guard");
        }
        long restoreAt = Math.max(now + p.restoreAfter().toMillis(), circuit.openedAt() + p.minOpen().toMillis());
        Store.saveCircuit(c, circuit.with("open", circuit.openedAt(), restoreAt, false));
        return decision(a, m, AuditEntry.SKIPPED_HYSTERESIS, "restore scheduled at " + java.time.Instant.ofEpochMilli(restoreAt));
    }

    /** Takes a permit from the target's and then the policy's rate limiter; the refusal, if any. */
    private Optional<String> rateLimited(PolicyConfig p, String targetKey) {
        if (!limiter("target:" + targetKey, p.perTargetLimit(), p.perTargetPeriod()).acquirePermission()) {
            return Optional.of("rate limit for the target");
        }
        if (!limiter("policy:" + p.name(), p.perPolicyLimit(), p.perPolicyPeriod()).acquirePermission()) {
            return Optional.of("rate limit for the policy");
        }
        return Optional.empty();
    }

    private RateLimiter limiter(String name, int limit, Duration period) {
        return limiters.computeIfAbsent(name, n -> RateLimiter.of(n, RateLimiterConfig.custom()
                .limitForPeriod(limit).limitRefreshPeriod(period).timeoutDuration(Duration.ZERO).build()));
    }

    private static Decision decision(Alert a, Policies.Match m, String decision, String result) {
        return new Decision(a.fingerprint(), m.policy().name(), m.target().key(), decision, result);
    }

    private static void audit(Connection c, long now, Alert a, Policies.Match m, Decision d) throws SQLException {
        if (d.decision().equals("queued")) {
            return; // the executor audits the outcome
        }
        Store.audit(c, now, a.fingerprint(), PayloadParser.labelsJson(a.labels()), m.policy().name(),
                m.policy().action().type(), m.target().key(), d.decision(), d.result());
    }
}
