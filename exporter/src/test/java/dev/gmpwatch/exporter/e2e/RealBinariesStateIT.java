package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.RealBinaries;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default mode against Go programs nobody here built: Debian's stripped Prometheus and
 * Alertmanager (Go 1.19), whose own endpoints report their goroutines and GC cycles, and esbuild
 * (Go 1.26, stripped) read while it rebuilds a bundle again and again.
 */
class RealBinariesStateIT {
    private static final Pattern PPROF_TOTAL = Pattern.compile("goroutine profile: total (\\d+)");

    @TempDir
    Path dir;

    @Test
    void agreesWithPrometheusAndAlertmanagerOnTheirGoroutinesAndGcCycles() throws Exception {
        int promPort = freePort();
        int amPort = freePort();
        Files.writeString(dir.resolve("am.yml"), "route: {receiver: none}\nreceivers: [{name: none}]\n");
        List<Process> servers = new ArrayList<>();
        try {
            servers.add(start(List.of(RealBinaries.prometheus().toString(), "--config.file=/dev/null",
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort), "prometheus"));
            servers.add(start(List.of(RealBinaries.alertmanager().toString(), "--config.file=" + dir.resolve("am.yml"),
                    "--storage.path=" + dir.resolve("am"), "--web.listen-address=127.0.0.1:" + amPort,
                    "--cluster.listen-address="), "alertmanager"));
            awaitUp(promPort);
            awaitUp(amPort);
            try (ExporterProcess exporter = ExporterProcess.start("--pid", Long.toString(servers.get(0).pid()),
                    "--pid", Long.toString(servers.get(1).pid()), "--walk.min-interval", "0s")) {
                for (int i = 0; i < 2; i++) {
                    String pid = Long.toString(servers.get(i).pid());
                    int port = i == 0 ? promPort : amPort;
                    exporter.awaitWatching(servers.get(i).pid());
                    assertAgrees(exporter, pid, port);
                }
                assertTrue(exporter.logText().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace in the log");
            }
        } finally {
            for (Process p : servers) {
                p.destroy();
                p.waitFor();
            }
        }
    }

    /**
     * Live goroutines equal the process's own goroutine dump minus the two goroutines that serve
     * the dump request; GC cycles equal go_gc_duration_seconds_count. Both are compared at a quiet
     * moment: a few tries, each with our numbers read between two of theirs.
     */
    private void assertAgrees(ExporterProcess exporter, String pid, int port) throws Exception {
        String last = "";
        for (int attempt = 0; attempt < 20; attempt++) {
            long before = dumpTotal(port) - 2;
            Scrape s = exporter.scrape();
            long after = dumpTotal(port) - 2;
            double live = s.value("gmpwatch_goroutines_live", "pid", pid);
            double walked = s.value("gmpwatch_goroutines", "pid", pid, "state", "waiting")
                    + s.value("gmpwatch_goroutines", "pid", pid, "state", "runnable")
                    + s.value("gmpwatch_goroutines", "pid", pid, "state", "running")
                    + s.value("gmpwatch_goroutines", "pid", pid, "state", "syscall");
            double gc = s.value("gmpwatch_gc_cycles_total", "pid", pid);
            double theirGc = gcCycles(port);
            last = "ours " + live + " (walk " + walked + "), theirs " + before + " then " + after + "; GC ours " + gc + " theirs " + theirGc;
            if (before == after && live == before && walked == before && gc == theirGc) {
                assertEquals(1, s.value("gmpwatch_target_info", "pid", pid, "go_version", "go1.19.8", "status", "watching"));
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("pid " + pid + " never agreed: " + last);
    }

    private long dumpTotal(int port) throws Exception {
        String body = get("http://127.0.0.1:" + port + "/debug/pprof/goroutine?debug=1");
        Matcher m = PPROF_TOTAL.matcher(body);
        if (!m.find()) {
            throw new AssertionError("no goroutine profile on port " + port + ": " + body.lines().findFirst().orElse(""));
        }
        return Long.parseLong(m.group(1));
    }

    private double gcCycles(int port) throws Exception {
        return get("http://127.0.0.1:" + port + "/metrics").lines().filter(l -> l.startsWith("go_gc_duration_seconds_count "))
                .mapToDouble(l -> Double.parseDouble(l.split(" ")[1])).findFirst()
                .orElseThrow(() -> new AssertionError("no go_gc_duration_seconds_count on port " + port));
    }

    /**
     * An HTTP/1.0 GET that closes its connection: a kept-alive connection would leave a goroutine
     * serving it in the target and skew the count.
     */
    private static String get(String url) throws IOException {
        URI u = URI.create(url);
        try (java.net.Socket sock = new java.net.Socket(u.getHost(), u.getPort())) {
            sock.setSoTimeout(10_000);
            String path = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            sock.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: " + u.getHost() + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String response = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int body = response.indexOf("\r\n\r\n");
            return body < 0 ? response : response.substring(body + 4);
        }
    }

    private Process start(List<String> cmd, String name) throws IOException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    private void awaitUp(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                get("http://127.0.0.1:" + port + "/metrics");
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing answered on port " + port + " within 30 s");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
