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
                        restoreAfter: 2s
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

                postAlert(amPort, Instant.now().minusSeconds(5), Instant.now().minusSeconds(1));
                await(() -> state(haproxy, "s1").equals("ready"), "s1 to be restored", remediator);
                HttpResponse<String> audit = http.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + remediatorPort + "/api/v1/actions")).header("Authorization", "Bearer " + TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, audit.statusCode());
                assertTrue(audit.body().contains("restored: state ready verified"), audit.body());
            } finally {
                am.destroy();
                remediator.destroy();
                am.waitFor(10, TimeUnit.SECONDS);
                remediator.waitFor(10, TimeUnit.SECONDS);
            }
        }
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
