package dev.gmpwatch.remediator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.remediator.testing.HaproxyServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
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

    @Test
    void anAlertThroughAlertmanagerBreaksTheServerAndItsResolutionRestoresIt() throws Exception {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        int remediatorPort = freePort();
        int amPort = freePort();
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3)) {
            Files.writeString(dir.resolve("remediator.yml"), """
                    listen: 127.0.0.1:%d
                    auth: {bearerTokenFile: token}
                    store: {url: "jdbc:sqlite:%s"}
                    haproxy:
                      lb: {socket: %s}
                    policies:
                      - name: goroutine-leak
                        match: {alertname: GoroutineLeak}
                        action: {type: haproxy, haproxy: lb, backend: "{{ labels.backend }}", server: "{{ labels.server }}"}
                        restoreAfter: 4s
                        minOpen: 1s
                    """.formatted(remediatorPort, dir.resolve("state.db"), haproxy.socket()));
            Files.writeString(dir.resolve("alertmanager.yml"), """
                    route:
                      receiver: gmpwatch
                      group_by: [alertname, backend, server]
                      group_wait: 1s
                      group_interval: 1s
                      repeat_interval: 1h
                    receivers:
                      - name: gmpwatch
                        webhook_configs:
                          - url: http://127.0.0.1:%d/webhook/alertmanager
                            send_resolved: true
                            http_config:
                              authorization:
                                credentials_file: %s
                    """.formatted(remediatorPort, dir.resolve("token")));
            Process remediator = start(dir.resolve("remediator.log"), "java", "-jar",
                    System.getProperty("gmpwatch.remediatorJar"), "--config", dir.resolve("remediator.yml").toString());
            Process am = start(dir.resolve("alertmanager.log"), "/usr/bin/prometheus-alertmanager",
                    "--config.file=" + dir.resolve("alertmanager.yml"), "--storage.path=" + dir.resolve("am-data"),
                    "--web.listen-address=127.0.0.1:" + amPort, "--cluster.listen-address=");
            try {
                await(() -> ok("http://127.0.0.1:" + remediatorPort + "/healthz"), "the remediator to start", remediator);
                await(() -> ok("http://127.0.0.1:" + amPort + "/-/ready"), "Alertmanager to start", am);

                postAlert(amPort, Instant.now().minusSeconds(5), null);
                await(() -> state(haproxy, "s1").equals("maint"), "s1 to go to maint", remediator);
                assertEquals("ready", state(haproxy, "s2"));

                // Resolve, then fire again before restoreAfter (4 s) runs out: it stays in maint.
                postAlert(amPort, Instant.now().minusSeconds(5), Instant.now().minusSeconds(1));
                awaitAudit(remediatorPort, "restore scheduled", remediator);
                postAlert(amPort, Instant.now(), null);
                awaitAudit(remediatorPort, "restore cancelled", remediator);
                Thread.sleep(5000);
                assertEquals("maint", state(haproxy, "s1"), "re-fired before the deadline: still out of rotation");

                postAlert(amPort, Instant.now().minusSeconds(5), Instant.now().minusSeconds(1));
                await(() -> state(haproxy, "s1").equals("ready"), "s1 to be restored", remediator);
                HttpResponse<String> audit = http.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + remediatorPort + "/api/v1/actions")).header("Authorization", "Bearer " + TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, audit.statusCode());
                assertTrue(audit.body().contains("restored: state ready verified"), audit.body());
            } finally {
                stop(am, remediator);
            }
        }
    }

    @Test
    void twoClusteredAlertmanagersAndFiftyReplaysActOnce() throws Exception {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        int remediatorPort = freePort();
        int am1 = freePort();
        int am2 = freePort();
        int gossip1 = freePort();
        int gossip2 = freePort();
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3)) {
            Files.writeString(dir.resolve("remediator.yml"), """
                    listen: 127.0.0.1:%d
                    auth: {bearerTokenFile: token}
                    store: {url: "jdbc:sqlite:%s"}
                    haproxy:
                      lb: {socket: %s}
                    policies:
                      - name: goroutine-leak
                        match: {alertname: GoroutineLeak}
                        action: {type: haproxy, haproxy: lb, backend: "{{ labels.backend }}", server: "{{ labels.server }}"}
                        rateLimit: {perTarget: 1000/1s, perPolicy: 1000/1s}
                    """.formatted(remediatorPort, dir.resolve("state.db"), haproxy.socket()));
            Files.writeString(dir.resolve("alertmanager.yml"), """
                    route:
                      receiver: gmpwatch
                      group_by: [alertname]
                      group_wait: 1s
                      group_interval: 1s
                      repeat_interval: 1h
                    receivers:
                      - name: gmpwatch
                        webhook_configs:
                          - url: http://127.0.0.1:%d/webhook/alertmanager
                            http_config:
                              authorization:
                                credentials_file: %s
                    """.formatted(remediatorPort, dir.resolve("token")));
            Process remediator = start(dir.resolve("remediator.log"), "java", "-jar",
                    System.getProperty("gmpwatch.remediatorJar"), "--config", dir.resolve("remediator.yml").toString());
            Process a = start(dir.resolve("am1.log"), "/usr/bin/prometheus-alertmanager",
                    "--config.file=" + dir.resolve("alertmanager.yml"), "--storage.path=" + dir.resolve("am1"),
                    "--web.listen-address=127.0.0.1:" + am1, "--cluster.listen-address=127.0.0.1:" + gossip1,
                    "--cluster.peer=127.0.0.1:" + gossip2);
            Process b = start(dir.resolve("am2.log"), "/usr/bin/prometheus-alertmanager",
                    "--config.file=" + dir.resolve("alertmanager.yml"), "--storage.path=" + dir.resolve("am2"),
                    "--web.listen-address=127.0.0.1:" + am2, "--cluster.listen-address=127.0.0.1:" + gossip2,
                    "--cluster.peer=127.0.0.1:" + gossip1);
            try {
                await(() -> ok("http://127.0.0.1:" + remediatorPort + "/healthz"), "the remediator to start", remediator);
                await(() -> ok("http://127.0.0.1:" + am1 + "/-/ready") && ok("http://127.0.0.1:" + am2 + "/-/ready"),
                        "both Alertmanagers to start", a);
                Instant starts = Instant.now().minusSeconds(5);
                postAlert(am1, starts, null);
                postAlert(am2, starts, null);
                await(() -> state(haproxy, "s1").equals("maint"), "s1 to go to maint", remediator);

                // Replay the same notification 50 times at once, as a misbehaving peer would.
                String replay = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
                        + "\"fingerprint\":\"ffff0001\",\"startsAt\":\"" + starts + "\",\"labels\":{\"alertname\":"
                        + "\"GoroutineLeak\",\"backend\":\"web\",\"server\":\"s2\"}}]}";
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
                java.util.List<java.util.concurrent.Future<Integer>> codes = new java.util.ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    codes.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + remediatorPort + "/webhook/alertmanager"))
                            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(replay)).build(), HttpResponse.BodyHandlers.discarding()).statusCode()));
                }
                for (java.util.concurrent.Future<Integer> c : codes) {
                    assertEquals(200, c.get());
                }
                pool.shutdown();
                Thread.sleep(3000); // let both Alertmanagers flush whatever they still want to send
                String audit = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + remediatorPort
                        + "/api/v1/actions?limit=1000")).header("Authorization", "Bearer " + TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                long executed = 0;
                long replayDuplicates = 0;
                long replayDecided = 0;
                for (com.fasterxml.jackson.databind.JsonNode e : new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(audit).get("actions")) {
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
            } finally {
                stop(a, b, remediator);
            }
        }
    }

    @Test
    void anIdleAlertThroughAlertmanagerLowersGomaxprocsByOneWithinThreeSeconds() throws Exception {
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        int remediatorPort = freePort();
        int amPort = freePort();
        try (dev.gmpwatch.remediator.testing.GomaxprocsService svc = dev.gmpwatch.remediator.testing.GomaxprocsService.start(java.util.Map.of())) {
            Files.writeString(dir.resolve("remediator.yml"), """
                    listen: 127.0.0.1:%d
                    auth: {bearerTokenFile: token}
                    store: {url: "jdbc:sqlite:%s"}
                    policies:
                      - name: idle
                        match: {alertname: GoProcessorsIdle}
                        action: {type: gomaxprocs, direction: down, minInterval: 3s}
                      - name: saturated
                        match: {alertname: GoProcessorsSaturated}
                        action: {type: gomaxprocs, direction: up, minInterval: 3s}
                    """.formatted(remediatorPort, dir.resolve("state.db")));
            Files.writeString(dir.resolve("alertmanager.yml"), """
                    route:
                      receiver: gmpwatch
                      group_by: [alertname, pid]
                      group_wait: 1s
                      group_interval: 1s
                      repeat_interval: 1h
                    receivers:
                      - name: gmpwatch
                        webhook_configs:
                          - url: http://127.0.0.1:%d/webhook/alertmanager
                            send_resolved: true
                            http_config:
                              authorization:
                                credentials_file: %s
                    """.formatted(remediatorPort, dir.resolve("token")));
            Process remediator = start(dir.resolve("remediator.log"), "java", "-jar",
                    System.getProperty("gmpwatch.remediatorJar"), "--config", dir.resolve("remediator.yml").toString());
            Process am = start(dir.resolve("alertmanager.log"), "/usr/bin/prometheus-alertmanager",
                    "--config.file=" + dir.resolve("alertmanager.yml"), "--storage.path=" + dir.resolve("am-data"),
                    "--web.listen-address=127.0.0.1:" + amPort, "--cluster.listen-address=");
            try {
                await(() -> ok("http://127.0.0.1:" + remediatorPort + "/healthz"), "the remediator to start", remediator);
                await(() -> ok("http://127.0.0.1:" + amPort + "/-/ready"), "Alertmanager to start", am);
                int start = svc.gomaxprocs();
                String labels = "{\"alertname\":\"GoProcessorsIdle\",\"admin_address\":\"" + svc.address()
                        + "\",\"pid\":\"" + svc.pid() + "\",\"exe\":\"gomaxprocs-service\"}";
                long t0 = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + amPort + "/api/v2/alerts"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                "[{\"labels\":" + labels + ",\"startsAt\":\"" + Instant.now() + "\"}]")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(start - 1, svc.await(start - 1, 3000), "lowered by exactly 1 within 3 s");
                System.out.printf("GOMAXPROCS %d -> %d, %.2f s after the alert reached Alertmanager (group_wait 1s)%n",
                        start, svc.gomaxprocs(), (System.nanoTime() - t0) / 1e9);
                assertEquals(start - 1, svc.await(start - 2, 2000), "exactly 1, and it stays there");

                // Resolve it; once the remediator has seen that and the minimum interval has passed,
                // a saturated alert raises it by exactly 1.
                postRaw(amPort, "[{\"labels\":" + labels + ",\"startsAt\":\"" + Instant.now().minusSeconds(10)
                        + "\",\"endsAt\":\"" + Instant.now().minusSeconds(1) + "\"}]");
                awaitAudit(remediatorPort, "resolved: nothing to undo", remediator);
                Thread.sleep(3000);
                String saturated = labels.replace("GoProcessorsIdle", "GoProcessorsSaturated");
                postRaw(amPort, "[{\"labels\":" + saturated + ",\"startsAt\":\"" + Instant.now() + "\"}]");
                assertEquals(start, svc.await(start, 5000), "a saturated alert raises it by 1");
                assertEquals(start, svc.await(start + 1, 1500), "never above NumCPU");
            } finally {
                stop(am, remediator);
            }
        }
    }

    /** Stops processes and waits until they are gone, so the temp dir can be removed. */
    private static void stop(Process... processes) throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private void awaitAudit(int port, String text, Process p) throws Exception {
        await(() -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/actions"))
                        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body().contains(text);
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, "the audit log to say '" + text + "'", p);
    }

    private void postRaw(int amPort, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + amPort + "/api/v2/alerts"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private void postAlert(int amPort, Instant startsAt, Instant endsAt) throws Exception {
        String body = "[{\"labels\":{\"alertname\":\"GoroutineLeak\",\"backend\":\"web\",\"server\":\"s1\"},"
                + "\"startsAt\":\"" + startsAt + "\"" + (endsAt == null ? "" : ",\"endsAt\":\"" + endsAt + "\"") + "}]";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + amPort + "/api/v2/alerts"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static String state(HaproxyServer h, String server) {
        try {
            return h.states("web").get(server);
        } catch (IOException e) {
            return "unreachable";
        }
    }

    private boolean ok(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void await(BooleanSupplier condition, String what, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            if (!p.isAlive()) {
                throw new AssertionError(what + ": the process exited with " + p.exitValue());
            }
            Thread.sleep(100);
        }
    }

    private static Process start(Path log, String... cmd) throws IOException {
        if (!Files.isExecutable(Path.of(cmd[0])) && !cmd[0].equals("java")) {
            throw new AssertionError(cmd[0] + " is missing; run scripts/setup.sh");
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
