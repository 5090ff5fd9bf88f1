package dev.gmpwatch.remediator;

import static dev.gmpwatch.remediator.testing.RemediatorHarness.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.TcpRelay;
import dev.gmpwatch.remediator.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged remediator as an operator meets it: startup checks, and hostile input that never reaches HAProxy. */
class RemediatorCliIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private record Run(int code, String output) {
    }

    private Run run(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("java", "-jar", System.getProperty("gmpwatch.remediatorJar")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not exit: " + cmd);
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    private Path config(String authLine, int port, String haproxyLine) throws IOException {
        Path f = dir.resolve("r.yml");
        Files.writeString(f, """
                listen: 127.0.0.1:%d
                %s
                store: {url: "jdbc:sqlite:%s"}
                haproxy:
                  lb: %s
                policies:
                  - name: leak
                    match: {alertname: GoroutineLeak}
                    action: {type: haproxy, haproxy: lb, backend: "{{ labels.backend }}", server: "{{ labels.server }}"}
                """.formatted(port, authLine, dir.resolve("state.db"), haproxyLine));
        return f;
    }

    @Test
    void refusesToStartWithoutAuthenticationOrWithABadConfig() throws Exception {
        Run noAuth = run("--config", config("", 1, "{socket: /nonexistent}").toString());
        assertEquals(2, noAuth.code());
        assertTrue(noAuth.output().contains("auth: required"), noAuth.output());
        Files.writeString(dir.resolve("r.yml"), "policies: []\n");
        Run bad = run("--config", dir.resolve("r.yml").toString());
        assertEquals(2, bad.code());
        assertEquals("gmpwatch-remediator: invalid config: policies: at least one policy is required", bad.output().strip());
        Run missing = run("--config", dir.resolve("nope.yml").toString());
        assertEquals(2, missing.code());
        assertFalse(missing.output().contains("Exception"), missing.output());
        assertEquals(2, run("--frobnicate").code());
        assertEquals(2, run().code());
    }

    @Test
    void hostileLabelsAndBadRequestsNeverReachHaproxy() throws Exception {
        Files.writeString(dir.resolve("token"), "tok\n");
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3); TcpRelay relay = new TcpRelay(haproxy.adminPort())) {
            int port = Ports.free();
            Path cfg = config("auth: {bearerTokenFile: token}", port, "{address: \"127.0.0.1:" + relay.port() + "\"}");
            Process p = new ProcessBuilder("java", "-jar", System.getProperty("gmpwatch.remediatorJar"), "--config", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (status(port, "/healthz", null, null, "GET") != 200) {
                    assertTrue(System.nanoTime() < deadline && p.isAlive(), "remediator did not start: " + Files.readString(dir.resolve("log")));
                    Thread.sleep(100);
                }
                String ok = notification("firing", "aa", "2026-01-01T00:00:00Z", "web", "s1");
                assertEquals(401, status(port, "/webhook/alertmanager", ok, null, "POST"));
                assertEquals(401, status(port, "/webhook/alertmanager", ok, "Bearer nope", "POST"));
                assertEquals(401, status(port, "/api/v1/actions", null, null, "GET"), "the audit API needs auth too");
                for (String evil : List.of("s1\nset server web/s2 state maint", "s1 state maint", "s1;x", "../../s1",
                        "s1/../s2", "s1@evil.example", "s1%0d%0a")) {
                    assertEquals(400, status(port, "/webhook/alertmanager",
                            notification("firing", "bb", "2026-01-01T00:00:00Z", "web", evil), "Bearer tok", "POST"), evil);
                }
                Thread.sleep(500);
                assertEquals(List.of(), relay.forwarded(), "HAProxy received no command at all");
                assertEquals(java.util.Map.of("s1", "ready", "s2", "ready", "s3", "ready"), haproxy.states("web"));
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private int status(int port, String path, String body, String auth, String method) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5));
            if (auth != null) {
                b.header("Authorization", auth);
            }
            b = method.equals("POST") ? b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)) : b.GET();
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

}
