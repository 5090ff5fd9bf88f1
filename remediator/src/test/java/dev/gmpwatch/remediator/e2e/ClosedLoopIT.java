package dev.gmpwatch.remediator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.remediator.testing.AlertmanagerServer;
import dev.gmpwatch.remediator.testing.GomaxprocsService;
import dev.gmpwatch.remediator.testing.Ports;
import dev.gmpwatch.remediator.testing.RemediatorProcess;
import dev.gmpwatch.remediator.testing.Repo;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop: the real exporter watches a Go service, a real Prometheus runs alerts/ over its
 * metrics, a real Alertmanager routes the alerts, and the remediator steps GOMAXPROCS.
 */
class ClosedLoopIT {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();
    private AlertmanagerServer alertmanager;

    @TempDir
    Path dir;

    @Test
    void aServiceThatGoesIdleIsSteppedDownAndNothingOscillatesUnderSteadyLoad() throws Exception {
        Path repo = Repo.root();
        Path exporterJar = Repo.exporterJar();
        int exporterPort = Ports.free();
        int promPort = Ports.free();
        int remediatorPort = Ports.free();
        Files.writeString(dir.resolve("token"), "loop-token\n");
        try (GomaxprocsService svc = GomaxprocsService.start(Map.of())) {
            int cpus = Runtime.getRuntime().availableProcessors();
            assertEquals(cpus, svc.gomaxprocs());
            // Busy before anything watches it, so every window the rules see is a busy one.
            svc.mark("load: busy");
            post("http://" + svc.address() + "/load?mode=busy");
            String limit = "rateLimit: {perTarget: 10/1m, perPolicy: 10/1m}";
            Files.writeString(dir.resolve("remediator.yml"), TestConfig.sqlite(dir).listen("127.0.0.1:" + remediatorPort)
                    .policy("idle", "{alertname: GoProcessorsIdle}", "{type: gomaxprocs, direction: down, minInterval: 5s}", limit)
                    .policy("saturated", "{alertname: GoProcessorsSaturated}", "{type: gomaxprocs, direction: up, minInterval: 5s}", limit)
                    .yaml());
            Path amConfig = AlertmanagerServer.routeToRemediator(dir, remediatorPort, dir.resolve("token"), "alertname, pid", true);
            start("exporter", "java", "-jar", exporterJar.toString(), "--pid", Long.toString(svc.pid()),
                    "--web.listen-address", "127.0.0.1:" + exporterPort);
            RemediatorProcess remediator = RemediatorProcess.start(dir, dir.resolve("remediator.yml"), remediatorPort);
            processes.add(remediator.process());
            AlertmanagerServer am = AlertmanagerServer.start(dir, "am", amConfig);
            alertmanager = am;
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global: {scrape_interval: 1s, evaluation_interval: 1s}
                    rule_files: [%s]
                    alerting:
                      alertmanagers: [{static_configs: [{targets: ["127.0.0.1:%d"]}]}]
                    scrape_configs:
                      - job_name: gmpwatch
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                    """.formatted(repo.resolve("alerts/gomaxprocs.rules.yml"), am.port(), exporterPort));
            start("prometheus", "/usr/bin/prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort);
            awaitOk("http://127.0.0.1:" + exporterPort + "/healthz");
            awaitOk("http://127.0.0.1:" + promPort + "/-/ready");

            Thread.sleep(40_000);
            List<String> busy = svc.timeline();
            assertEquals(cpus, svc.gomaxprocs(), () -> "steady busy load: no change (at the upper bound); timeline "
                    + svc.timeline() + "\nidle share: " + range(promPort, "gmpwatch:p_idle:ratio_rate30s") + "\ncpu total: " + range(promPort, "gmpwatch_process_cpu_seconds_total") + "\ngomaxprocs range: " + range(promPort, "gmpwatch_gomaxprocs")
                    + "\ncpu: " + query(promPort, "rate(gmpwatch_process_cpu_seconds_total[30s])")
                    + "\ngomaxprocs: " + query(promPort, "gmpwatch_gomaxprocs")
                    + "\naudit: " + getQuietly("http://127.0.0.1:" + remediatorPort + "/api/v1/actions", "Bearer loop-token"));

            svc.mark("load: idle");
            post("http://" + svc.address() + "/load?mode=idle");
            int expected = Math.max((cpus + 1) / 2, cpus - 1);
            assertEquals(expected, svc.await(expected, 90_000), () -> "stepped down once the service went idle; audit: "
                    + getQuietly("http://127.0.0.1:" + remediatorPort + "/api/v1/actions", "Bearer loop-token"));
            svc.mark("stepped down");
            Thread.sleep(20_000);
            assertEquals(expected, svc.gomaxprocs(), "steady idle load: no further change, no oscillation");

            System.out.println("Closed-loop timeline (fixture on " + cpus + " CPUs):");
            svc.timeline().forEach(l -> System.out.println("  " + l));
            long changes = svc.timeline().stream().filter(l -> l.contains("GOMAXPROCS")).count();
            assertEquals(busy.stream().filter(l -> l.contains("GOMAXPROCS")).count() + 1, changes,
                    "exactly one change, after the load dropped: " + svc.timeline());
            String audit = get("http://127.0.0.1:" + remediatorPort + "/api/v1/actions", "Bearer loop-token");
            assertTrue(audit.contains("GOMAXPROCS " + cpus + " -> " + expected), audit);
        } finally {
            Waits.stop(processes.toArray(new Process[0]));
            if (alertmanager != null) {
                alertmanager.close();
            }
        }
    }

    private void start(String name, String... cmd) throws IOException {
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    private static void awaitOk(String url) throws InterruptedException {
        Waits.until(() -> Waits.ok(url), Duration.ofSeconds(60), url + " to answer", null);
    }

    private void post(String url) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private String get(String url, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (!auth.isEmpty()) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private String query(int promPort, String q) {
        return getQuietly("http://127.0.0.1:" + promPort + "/api/v1/query?query=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8), "");
    }

    private String range(int promPort, String q) {
        long now = System.currentTimeMillis() / 1000;
        return getQuietly("http://127.0.0.1:" + promPort + "/api/v1/query_range?start=" + (now - 60) + "&end=" + now + "&step=2&query="
                + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8), "");
    }

    private String getQuietly(String url, String auth) {
        try {
            return get(url, auth);
        } catch (Exception e) {
            return e.toString();
        }
    }

}
