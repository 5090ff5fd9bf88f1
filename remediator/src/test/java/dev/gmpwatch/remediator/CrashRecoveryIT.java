package dev.gmpwatch.remediator;

import static dev.gmpwatch.remediator.testing.RemediatorHarness.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.TcpRelay;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    @Test
    void survivesKillNineBeforeAndAfterTheSideEffectAndKeepsPendingRestores() throws Exception {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3); TcpRelay relay = new TcpRelay(haproxy.adminPort())) {
            port = freePort();
            Files.writeString(dir.resolve("r.yml"), """
                    listen: 127.0.0.1:%d
                    auth: {bearerTokenFile: token}
                    store: {url: "jdbc:sqlite:%s"}
                    haproxy:
                      lb: {address: "127.0.0.1:%d", timeout: 60s}
                    policies:
                      - name: goroutine-leak
                        match: {alertname: GoroutineLeak}
                        action: {type: haproxy, haproxy: lb, backend: "{{ labels.backend }}", server: "{{ labels.server }}"}
                        restoreAfter: 2s
                        minOpen: 1s
                    """.formatted(port, dir.resolve("state.db"), relay.port()));

            // 1. Killed after accepting the alert, before anything reached HAProxy.
            relay.mode(TcpRelay.Mode.HOLD_BEFORE_ANY);
            Process r1 = start();
            assertEquals(200, post(notification("firing", "aa01", "2026-01-01T00:00:00Z", "web", "s1")));
            relay.awaitHold(30);
            r1.destroyForcibly().waitFor();
            assertEquals("ready", haproxy.states("web").get("s1"), "nothing happened yet");
            relay.mode(TcpRelay.Mode.PASS);
            Process r2 = start();
            await(() -> state(haproxy).equals("maint"), "the interrupted open to run after the restart");
            assertEquals(1, sets(relay, "maint"), relay.forwarded().toString());

            // 2. Killed after HAProxy applied the restore, before the answer was recorded.
            relay.mode(TcpRelay.Mode.HOLD_AFTER_SET);
            assertEquals(200, post(notification("resolved", "aa01", "2026-01-01T00:00:00Z", "web", "s1")));
            relay.awaitHold(30);
            r2.destroyForcibly().waitFor();
            assertEquals("ready", haproxy.states("web").get("s1"), "HAProxy applied it");
            relay.mode(TcpRelay.Mode.PASS);
            Process r3 = start();
            await(() -> audit().contains("already set (reconciled)"), "the interrupted restore to be reconciled");
            assertEquals(1, sets(relay, "ready"), "not sent twice: " + relay.forwarded());

            // 3. Killed while a restore is pending; it runs after the restart.
            assertEquals(200, post(notification("firing", "aa01", "2026-01-01T01:00:00Z", "web", "s1")));
            await(() -> state(haproxy).equals("maint"), "the new incident to open the circuit");
            assertEquals(200, post(notification("resolved", "aa01", "2026-01-01T01:00:00Z", "web", "s1")));
            r3.destroyForcibly().waitFor();
            Thread.sleep(2500);
            Process r4 = start();
            await(() -> state(haproxy).equals("ready"), "the pending restore to run after the restart");

            List<String> decisions = decisions();
            assertEquals(4, decisions.stream().filter(d -> d.equals("executed")).count(), decisions.toString());
            r4.destroy();
            r4.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process start() throws Exception {
        Process p = new ProcessBuilder("java", "-jar", System.getProperty("gmpwatch.remediatorJar"), "--config",
                dir.resolve("r.yml").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("remediator.log").toFile())).start();
        await(() -> healthy(), "the remediator to start");
        return p;
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
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/actions?limit=1000"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private List<String> decisions() throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode a : new ObjectMapper().readTree(audit()).get("actions")) {
            out.add(a.get("decision").asText());
        }
        return out;
    }

    private boolean healthy() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private void await(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; log:\n" + Files.readString(dir.resolve("remediator.log")));
            }
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
