package dev.gmpwatch.remediator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.testing.AlertmanagerServer;
import dev.gmpwatch.remediator.testing.GomaxprocsService;
import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.Ports;
import dev.gmpwatch.remediator.testing.RemediatorProcess;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged remediator behind a real Alertmanager (Debian's prometheus-alertmanager), fed
 * through Alertmanager's own API, breaking and restoring a server of a real HAProxy.
 */
class AlertmanagerIT {
    private static final String TOKEN = "am-to-remediator-token";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Path config(TestConfig config) throws IOException {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        Path f = dir.resolve("remediator.yml");
        Files.writeString(f, config.yaml());
        return f;
    }

    @Test
    void anAlertThroughAlertmanagerBreaksTheServerAndItsResolutionRestoresIt() throws Exception {
        int remediatorPort = Ports.free();
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3)) {
            Path cfg = config(TestConfig.sqlite(dir).listen("127.0.0.1:" + remediatorPort)
                    .section("haproxy", "{lb: {socket: " + haproxy.socket() + "}}")
                    .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}", "restoreAfter: 4s", "minOpen: 1s",
                            TestConfig.DEFAULT_LIMITS));
            Path amConfig = AlertmanagerServer.routeToRemediator(dir, remediatorPort, dir.resolve("token"),
                    "alertname, backend, server", true);
            try (RemediatorProcess remediator = RemediatorProcess.start(dir, cfg, remediatorPort);
                 AlertmanagerServer am = AlertmanagerServer.start(dir, "am", amConfig)) {
                am.post(alert(Instant.now().minusSeconds(5), null));
                await(() -> state(haproxy, "s1").equals("maint"), "s1 to go to maint", remediator);
                assertEquals("ready", state(haproxy, "s2"));

                // Resolve, then fire again before restoreAfter (4 s) runs out: it stays in maint.
                am.post(alert(Instant.now().minusSeconds(5), Instant.now().minusSeconds(1)));
                remediator.awaitAudit(TOKEN, "restore scheduled");
                am.post(alert(Instant.now(), null));
                remediator.awaitAudit(TOKEN, "restore cancelled");
                Thread.sleep(5000);
                assertEquals("maint", state(haproxy, "s1"), "re-fired before the deadline: still out of rotation");

                am.post(alert(Instant.now().minusSeconds(5), Instant.now().minusSeconds(1)));
                await(() -> state(haproxy, "s1").equals("ready"), "s1 to be restored", remediator);
                String audit = remediator.audit(TOKEN);
                assertTrue(audit.contains("restored: state ready verified"), audit);
            }
        }
    }

    @Test
    void twoClusteredAlertmanagersAndFiftyReplaysActOnce() throws Exception {
        int remediatorPort = Ports.free();
        int gossip1 = Ports.free();
        int gossip2 = Ports.free();
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3)) {
            Path cfg = config(TestConfig.sqlite(dir).listen("127.0.0.1:" + remediatorPort)
                    .section("haproxy", "{lb: {socket: " + haproxy.socket() + "}}")
                    .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}"));
            Path amConfig = AlertmanagerServer.routeToRemediator(dir, remediatorPort, dir.resolve("token"), "alertname", false);
            try (RemediatorProcess remediator = RemediatorProcess.start(dir, cfg, remediatorPort);
                 AlertmanagerServer a = AlertmanagerServer.start(dir, "am1", amConfig,
                         "--cluster.listen-address=127.0.0.1:" + gossip1, "--cluster.peer=127.0.0.1:" + gossip2);
                 AlertmanagerServer b = AlertmanagerServer.start(dir, "am2", amConfig,
                         "--cluster.listen-address=127.0.0.1:" + gossip2, "--cluster.peer=127.0.0.1:" + gossip1)) {
                Instant starts = Instant.now().minusSeconds(5);
                a.post(alert(starts, null));
                b.post(alert(starts, null));
                await(() -> state(haproxy, "s1").equals("maint"), "s1 to go to maint", remediator);

                // Replay the same notification 50 times at once, as a misbehaving peer would.
                String replay = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
                        + "\"fingerprint\":\"ffff0001\",\"startsAt\":\"" + starts + "\",\"labels\":{\"alertname\":"
                        + "\"GoroutineLeak\",\"backend\":\"web\",\"server\":\"s2\"}}]}";
                ExecutorService pool = Executors.newFixedThreadPool(16);
                List<Future<Integer>> codes = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    codes.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + remediatorPort + "/webhook/alertmanager"))
                            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(replay)).build(), HttpResponse.BodyHandlers.discarding()).statusCode()));
                }
                for (Future<Integer> c : codes) {
                    assertEquals(200, c.get());
                }
                pool.shutdown();
                Thread.sleep(3000); // let both Alertmanagers flush whatever they still want to send
                String audit = remediator.audit(TOKEN);
                long executed = 0;
                long replayDuplicates = 0;
                long replayDecided = 0;
                for (JsonNode e : new ObjectMapper().readTree(audit).get("actions")) {
                    String decision = e.get("decision").asText();
                    executed += decision.equals("executed") ? 1 : 0;
                    if (e.get("fingerprint").asText().equals("ffff0001")) {
                        replayDuplicates += decision.equals("skipped-duplicate") ? 1 : 0;
                        replayDecided += decision.equals("skipped-duplicate") ? 0 : 1;
                    }
                }
                assertEquals(1, executed, "one action for the alert both Alertmanagers sent: " + audit);
                assertEquals(1, replayDecided, "the replayed notification is decided once (refused by the cap): " + audit);
                assertEquals(49, replayDuplicates, audit);
            }
        }
    }

    @Test
    void anIdleAlertThroughAlertmanagerLowersGomaxprocsByOneWithinThreeSeconds() throws Exception {
        int remediatorPort = Ports.free();
        try (GomaxprocsService svc = GomaxprocsService.start(Map.of())) {
            Path cfg = config(TestConfig.sqlite(dir).listen("127.0.0.1:" + remediatorPort)
                    .policy("idle", "{alertname: GoProcessorsIdle}", "{type: gomaxprocs, direction: down, minInterval: 3s}",
                            TestConfig.DEFAULT_LIMITS)
                    .policy("saturated", "{alertname: GoProcessorsSaturated}", "{type: gomaxprocs, direction: up, minInterval: 3s}",
                            TestConfig.DEFAULT_LIMITS));
            Path amConfig = AlertmanagerServer.routeToRemediator(dir, remediatorPort, dir.resolve("token"), "alertname, pid", true);
            try (RemediatorProcess remediator = RemediatorProcess.start(dir, cfg, remediatorPort);
                 AlertmanagerServer am = AlertmanagerServer.start(dir, "am", amConfig)) {
                int start = svc.gomaxprocs();
                String labels = "{\"alertname\":\"GoProcessorsIdle\",\"admin_address\":\"" + svc.address()
                        + "\",\"pid\":\"" + svc.pid() + "\",\"exe\":\"gomaxprocs-service\"}";
                long t0 = System.nanoTime();
                am.post("[{\"labels\":" + labels + ",\"startsAt\":\"" + Instant.now() + "\"}]");
                assertEquals(start - 1, svc.await(start - 1, 3000), "lowered by exactly 1 within 3 s");
                System.out.printf("GOMAXPROCS %d -> %d, %.2f s after the alert reached Alertmanager (group_wait 1s)%n",
                        start, svc.gomaxprocs(), (System.nanoTime() - t0) / 1e9);
                assertEquals(start - 1, svc.await(start - 2, 2000), "exactly 1, and it stays there");

                // Resolve it; once the remediator has seen that and the minimum interval has passed,
                // a saturated alert raises it by exactly 1.
                am.post("[{\"labels\":" + labels + ",\"startsAt\":\"" + Instant.now().minusSeconds(10)
                        + "\",\"endsAt\":\"" + Instant.now().minusSeconds(1) + "\"}]");
                remediator.awaitAudit(TOKEN, "resolved: nothing to undo");
                Thread.sleep(3000);
                String saturated = labels.replace("GoProcessorsIdle", "GoProcessorsSaturated");
                am.post("[{\"labels\":" + saturated + ",\"startsAt\":\"" + Instant.now() + "\"}]");
                assertEquals(start, svc.await(start, 5000), "a saturated alert raises it by 1");
                assertEquals(start, svc.await(start + 1, 1500), "never above NumCPU");
            }
        }
    }

    /** The GoroutineLeak alert for web/s1, as Alertmanager's API takes it. */
    private static String alert(Instant startsAt, Instant endsAt) {
        return "[{\"labels\":{\"alertname\":\"GoroutineLeak\",\"backend\":\"web\",\"server\":\"s1\"},"
                + "\"startsAt\":\"" + startsAt + "\"" + (endsAt == null ? "" : ",\"endsAt\":\"" + endsAt + "\"") + "}]";
    }

    private static String state(HaproxyServer h, String server) {
        try {
            return h.states("web").get(server);
        } catch (IOException e) {
            return "unreachable";
        }
    }

    private static void await(BooleanSupplier condition, String what, RemediatorProcess watched) throws InterruptedException {
        Waits.until(condition, Duration.ofSeconds(30), what, watched.process());
    }
}
