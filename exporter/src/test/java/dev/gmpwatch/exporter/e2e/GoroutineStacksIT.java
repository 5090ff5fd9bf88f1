package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.RealBinaries;
import dev.gmpwatch.exporter.testing.RuntimeProfiles;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Goroutine stacks as an operator gets them: from the exporter's API and the command line, read by
 * {@code go tool pprof}, compared with the process's own /debug/pprof/goroutine as the same tool
 * reads it; and a process that scribbles over its own stacks while they are read.
 */
class GoroutineStacksIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void theApiServesTextAndAProfileThatPprofReadsAsTheRuntimesOwn() throws Exception {
        GoToolchain go = GoToolchain.newest();
        Path bin = GoFixtures.build(go, "stuck", GoFixtures.Variant.STRIPPED);
        try (FixtureProcess fx = FixtureProcess.start(bin)) {
            String addr = fx.await("ready", WAIT);
            try (ExporterProcess ex = ExporterProcess.start("--pid", Long.toString(fx.pid()))) {
                ex.awaitWatching(fx.pid());
                HttpResponse<String> text = ex.get("/api/v1/goroutines/stacks?pid=" + fx.pid());
                assertEquals(200, text.statusCode(), text.body());
                assertTrue(text.body().startsWith("goroutine profile: total 23\n"), text.body());
                assertTrue(text.body().contains("\n3 @ ") && text.body().contains("# state: chan receive 3"), text.body());
                assertTrue(text.body().contains("\tmain.chanReceiver+0x"), text.body());

                Path ours = Files.createTempFile("gmpwatch-goroutine", ".pb.gz");
                Files.write(ours, getBytes(ex, "/api/v1/pprof/goroutine?pid=" + fx.pid()));
                Path theirs = Files.createTempFile("runtime-goroutine", ".pb.gz");
                Files.write(theirs, RuntimeProfiles.fetch(addr, "/debug/pprof/goroutine"));
                Map<List<String>, Long> own = traces(go, theirs);
                own.keySet().removeIf(GoroutineStacksIT::servesTheProfileRequest);
                Map<List<String>, Long> mine = traces(go, ours);
                // The accept loop wakes for the profile request itself: the runtime may catch it running.
                own.keySet().removeIf(s -> s.contains("net/http.(*Server).Serve"));
                mine.keySet().removeIf(s -> s.contains("net/http.(*Server).Serve"));
                assertEquals(own, mine, "go tool pprof -traces: ours and the runtime's own");
                String top = Command.check(go.command("tool", "pprof", "-top", ours.toString()), go.env(), null, WAIT);
                assertTrue(top.contains("Showing nodes accounting for 23, 100% of 23 total"), top);

                for (String bad : List.of("pid=abc", "pid=" + fx.pid() + "&max_frames=0", "", "pid=" + fx.pid() + "&max_goroutines=-1")) {
                    HttpResponse<String> r = ex.get("/api/v1/goroutines/stacks?" + bad);
                    assertEquals(400, r.statusCode(), bad + ": " + r.body());
                    assertTrue(r.body().startsWith("{\"error\":"), r.body());
                }
                assertEquals(404, ex.get("/api/v1/pprof/goroutine?pid=999999999").statusCode());
                assertTrue(ex.logText().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace in the log");
            }
        }
    }

    /** Debian's Prometheus (Go 1.19, stripped): gmpwatch's profile and its own show the same stacks in pprof. */
    @Test
    void debiansPrometheusReadsTheSameInPprof() throws Exception {
        GoToolchain go = GoToolchain.newest();
        Path dir = Files.createTempDirectory("gmpwatch-prometheus");
        int port = freePort();
        Process prom = new ProcessBuilder(RealBinaries.prometheus().toString(), "--config.file=/dev/null",
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        try {
            awaitUp(port);
            Thread.sleep(3000); // past start-up: its goroutines settle into their waits
            String last = "";
            for (int attempt = 0; attempt < 5; attempt++) {
                Path ours = dir.resolve("ours-" + attempt + ".pb.gz");
                Command.Result r = Command.run(List.of("java", "-jar", System.getProperty("gmpwatch.exporterJar"), "goroutines",
                        Long.toString(prom.pid()), "--pprof", ours.toString()), Map.of(), null, WAIT);
                assertEquals(0, r.exitCode(), r.stderr());
                Path theirs = dir.resolve("theirs-" + attempt + ".pb.gz");
                Files.write(theirs, RuntimeProfiles.fetch("127.0.0.1:" + port, "/debug/pprof/goroutine"));
                Map<List<String>, Long> own = traces(go, theirs);
                own.keySet().removeIf(GoroutineStacksIT::servesTheProfileRequest);
                Map<List<String>, Long> mine = traces(go, ours);
                if (own.equals(mine)) {
                    assertTrue(mine.values().stream().mapToLong(Long::longValue).sum() > 10, "Prometheus has goroutines: " + mine);
                    return;
                }
                last = "runtime's: " + own + "\nours: " + mine;
                Thread.sleep(1000);
            }
            throw new AssertionError("gmpwatch's stacks never equalled Prometheus's own in 5 tries; last:\n" + last);
        } finally {
            prom.destroy();
            prom.waitFor();
        }
    }

    /**
     * A process overwriting its parked goroutines' stacks with random words, code addresses and
     * stack addresses while they are read: every read ends, within a bounded heap, with each
     * goroutine either unwound or given a reason, and no stack trace.
     */
    @Test
    void stacksScribbledWhileReadAreBoundedAndExplained() throws Exception {
        GoToolchain go = GoToolchain.newest();
        Path bin = GoFixtures.build(go, "stuck", GoFixtures.Variant.NORMAL);
        ProcessBuilder pb = new ProcessBuilder(bin.toString(), "scribble").redirectError(ProcessBuilder.Redirect.INHERIT);
        Process fx = pb.start();
        try {
            String first = new String(fx.getInputStream().readNBytes("scribbling 50\n".length()));
            assertEquals("scribbling 50\n", first);
            int stopped = 0;
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                Command.Result r = Command.run(List.of("java", "-Xmx64m", "-jar", System.getProperty("gmpwatch.exporterJar"),
                        "goroutines", Long.toString(fx.pid()), "--stacks"), Map.of(), null, WAIT);
                double seconds = (System.nanoTime() - t0) / 1e9;
                assertEquals(0, r.exitCode(), r.stderr());
                assertFalse(r.stderr().contains("Exception") || r.stdout().contains("Exception"), r.stderr());
                assertTrue(seconds < 30, "read " + i + " took " + seconds + " s");
                Matcher total = Pattern.compile("^goroutine profile: total (\\d+)$", Pattern.MULTILINE).matcher(r.stdout());
                assertTrue(total.find(), r.stdout());
                assertEquals(51, Long.parseLong(total.group(1)), "50 victims and main, each accounted for:\n" + r.stdout());
                stopped += Pattern.compile("^# stopped: ", Pattern.MULTILINE).matcher(r.stdout()).results().count();
            }
            assertTrue(fx.isAlive(), "the scribbler is still running: the reads never disturbed it");
            assertTrue(stopped > 0, "garbage stacks are reported as stopped, with a reason");
        } finally {
            fx.destroyForcibly();
            fx.waitFor();
        }
    }

    /** The goroutines serving a profile request, which only the runtime's own profile can hold. */
    private static boolean servesTheProfileRequest(List<String> stack) {
        return stack.isEmpty() || stack.stream().anyMatch(f -> (f.startsWith("runtime/pprof.") && !f.startsWith("runtime/pprof.Do"))
                || f.startsWith("net/http.(*connReader).backgroundRead"));
    }

    /** {@code go tool pprof -traces}: each stack's functions, innermost first, with its count. */
    static Map<List<String>, Long> traces(GoToolchain go, Path profile) {
        String out = Command.check(go.command("tool", "pprof", "-traces", profile.toString()), go.env(), null, WAIT);
        Map<List<String>, Long> stacks = new HashMap<>();
        List<String> current = null;
        long count = 0;
        for (String line : out.lines().toList()) {
            if (line.startsWith("-----------+")) {
                if (current != null) {
                    stacks.merge(List.copyOf(current), count, Long::sum);
                }
                current = new ArrayList<>();
                continue;
            }
            if (current == null || line.isBlank() || line.strip().startsWith("longest_wait:")) {
                continue; // gmpwatch's own label for how long a group has waited: the runtime has none
            }
            String[] parts = line.strip().split("\\s+", 2);
            if (current.isEmpty() && parts.length == 2 && parts[0].matches("\\d+")) {
                count = Long.parseLong(parts[0]);
                current.add(parts[1]);
            } else {
                current.add(line.strip());
            }
        }
        return stacks;
    }

    private static byte[] getBytes(ExporterProcess ex, String path) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(ex.baseUrl() + path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            byte[] b = in.readAllBytes();
            assertEquals(200, r.statusCode(), path + ": " + new String(b));
            return b;
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitUp(int port) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Prometheus did not get ready on port " + port);
    }
}
