package dev.gmpwatch.remediator.engine;

import static dev.gmpwatch.remediator.testing.RemediatorHarness.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.Ports;
import dev.gmpwatch.remediator.testing.RemediatorProcess;
import dev.gmpwatch.remediator.testing.TcpRelay;
import dev.gmpwatch.remediator.testing.TestConfig;
import dev.gmpwatch.remediator.testing.Waits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of the packaged remediator at the worst moments: nothing lost, nothing done twice. */
class CrashRecoveryIT {
    private static final String TOKEN = "crash-test-token";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private int port;
    private RemediatorProcess current;

    @Test
    void survivesKillNineBeforeAndAfterTheSideEffectAndKeepsPendingRestores() throws Exception {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3); TcpRelay relay = new TcpRelay(haproxy.adminPort())) {
            port = Ports.free();
            // Rate-limit permits are stored and outlive a restart: allow the two incidents within a minute.
            Files.writeString(dir.resolve("r.yml"), TestConfig.sqlite(dir).listen("127.0.0.1:" + port)
                    .section("haproxy", "{lb: {address: \"127.0.0.1:" + relay.port() + "\", timeout: 60s}}")
                    .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}", "restoreAfter: 2s", "minOpen: 1s",
                            "rateLimit: {perTarget: 10/1m}")
                    .yaml());

            // 1. Killed after accepting the alert, before anything reached HAProxy.
            relay.mode(TcpRelay.Mode.HOLD_BEFORE_ANY);
            RemediatorProcess r1 = start();
            assertEquals(200, post(notification("firing", "aa01", "2026-01-01T00:00:00Z", "web", "s1")));
            relay.awaitHold(30);
            r1.process().destroyForcibly().waitFor();
            assertEquals("ready", haproxy.states("web").get("s1"), "nothing happened yet");
            relay.mode(TcpRelay.Mode.PASS);
            RemediatorProcess r2 = start();
            await(() -> state(haproxy).equals("maint"), "the interrupted open to run after the restart");
            assertEquals(1, sets(relay, "maint"), relay.forwarded().toString());

            // 2. Killed after HAProxy applied the restore, before the answer was recorded.
            relay.mode(TcpRelay.Mode.HOLD_AFTER_SET);
            assertEquals(200, post(notification("resolved", "aa01", "2026-01-01T00:00:00Z", "web", "s1")));
            relay.awaitHold(30);
            r2.process().destroyForcibly().waitFor();
            assertEquals("ready", haproxy.states("web").get("s1"), "HAProxy applied it");
            relay.mode(TcpRelay.Mode.PASS);
            RemediatorProcess r3 = start();
            await(() -> audit().contains("already set (reconciled)"), "the interrupted restore to be reconciled");
            assertEquals(1, sets(relay, "ready"), "not sent twice: " + relay.forwarded());

            // 3. Killed while a restore is pending; it runs after the restart.
            assertEquals(200, post(notification("firing", "aa01", "2026-01-01T01:00:00Z", "web", "s1")));
            await(() -> state(haproxy).equals("maint"), "the new incident to open the circuit");
            assertEquals(200, post(notification("resolved", "aa01", "2026-01-01T01:00:00Z", "web", "s1")));
            r3.process().destroyForcibly().waitFor();
            Thread.sleep(2500);
            RemediatorProcess r4 = start();
            await(() -> state(haproxy).equals("ready"), "the pending restore to run after the restart");

            List<String> decisions = decisions();
            assertEquals(4, decisions.stream().filter(d -> d.equals("executed")).count(), decisions.toString());
            r4.close();
        }
    }

    /** Starts the remediator again on the same store; earlier ones were killed. */
    private RemediatorProcess start() throws Exception {
        current = RemediatorProcess.start(dir, dir.resolve("r.yml"), port);
        return current;
    }

    private static long sets(TcpRelay relay, String state) {
        return relay.forwarded().stream().filter(c -> c.equals("set server web/s1 state " + state)).count();
    }

    private static String state(HaproxyServer h) {
        try {
            return h.states("web").get("s1");
        } catch (IOException e) {
            return "unreachable";
        }
    }

    private int post(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhook/alertmanager"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String audit() {
        return current.audit(TOKEN);
    }

    private List<String> decisions() throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode a : new ObjectMapper().readTree(audit()).get("actions")) {
            out.add(a.get("decision").asText());
        }
        return out;
    }

    private void await(BooleanSupplier condition, String what) throws Exception {
        try {
            Waits.until(condition, Duration.ofSeconds(30), what, null);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; log:\n" + current.logText(), e);
        }
    }
}
