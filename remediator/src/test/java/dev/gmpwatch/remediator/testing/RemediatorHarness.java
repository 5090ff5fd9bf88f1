package dev.gmpwatch.remediator.testing;

import dev.gmpwatch.remediator.config.ActionTypes;
import dev.gmpwatch.remediator.config.ConfigLoader;
import dev.gmpwatch.remediator.config.RemediatorConfig;
import dev.gmpwatch.remediator.engine.Executor;
import dev.gmpwatch.remediator.engine.Policies;
import dev.gmpwatch.remediator.engine.Remediator;
import dev.gmpwatch.remediator.engine.RemediatorMetrics;
import dev.gmpwatch.remediator.engine.StateView;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.web.App;
import dev.gmpwatch.remediator.webhook.Authenticator;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** The remediator built by its own factory on a random loopback port, with a hand-driven clock. */
public final class RemediatorHarness implements AutoCloseable {
    public static final String TOKEN = "s3cret-token";

    public final MutableClock clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    public final Executor executor;
    public final Database db;
    private final Javalin app;
    private final HttpClient http = HttpClient.newHttpClient();

    public RemediatorHarness(String yaml, Path dir, boolean dryRun) throws Exception {
        this(yaml, dir, dryRun, ActionTypes.standard());
    }

    /** With the given action types registered, as Main registers the standard ones. */
    public RemediatorHarness(String yaml, Path dir, boolean dryRun, ActionTypes types) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("token"), TOKEN + "\n");
        RemediatorConfig cfg = ConfigLoader.parse(yaml, dir, types);
        db = new Database(cfg.storeUrl(), types);
        RemediatorMetrics metrics = new RemediatorMetrics(types);
        Policies policies = new Policies(cfg.policies());
        executor = new Executor(db, policies, clock, metrics, dryRun || cfg.dryRun());
        app = App.create(new Remediator(db, policies, clock, metrics), executor, new StateView(db), new Authenticator(cfg.auth()),
                metrics, cfg.maxBodyBytes()).start("127.0.0.1", 0);
    }

    public int port() {
        return app.port();
    }

    public String base() {
        return "http://127.0.0.1:" + app.port();
    }

    public HttpResponse<String> post(String body) throws Exception {
        return post(body, "Bearer " + TOKEN, "application/json");
    }

    public HttpResponse<String> post(String body, String authorization, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + "/webhook/alertmanager"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An Alertmanager v4 notification with one alert. */
    public static String notification(String status, String fingerprint, String startsAt, String backend, String server) {
        return "{\"version\":\"4\",\"status\":\"" + status + "\",\"receiver\":\"gmpwatch\",\"groupKey\":\"{}:{}\","
                + "\"alerts\":[{\"status\":\"" + status + "\",\"fingerprint\":\"" + fingerprint + "\",\"startsAt\":\""
                + startsAt + "\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"labels\":{\"alertname\":\"GoroutineLeak\","
                + "\"backend\":" + json(backend) + ",\"server\":" + json(server) + "},\"annotations\":{}}]}";
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    @Override
    public void close() {
        app.stop();
        executor.close();
        db.close();
    }
}
