package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged exporter against live Go fixtures (newest Go and Debian's Go 1.19), scraped over
 * HTTP, in the default mode and the per-event mode: every figure is checked against what the
 * fixture was told to do.
 */
class ExporterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    static List<GoToolchain> toolchains() {
        return GoToolchain.newestAndGo119();
    }

    /**
     * The default mode: goroutines started before the exporter are seen, by state, wait reason and
     * creator; counters are exact since the process started; nothing is attached to the process.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void defaultModeReadsStateAndAttachesNothing(GoToolchain go) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
        int linksBefore = Command.uprobeLinks();
        try (FixtureProcess fx = FixtureProcess.start(bin)) {
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            int m = 37;
            fx.send("leak " + m);
            fx.await("done", WAIT);
            try (ExporterProcess exporter = ExporterProcess.start("--pid", pid, "--walk.min-interval", "0s")) {
                Scrape s0 = exporter.awaitWatching(fx.pid());
                assertEquals(linksBefore, Command.uprobeLinks(), "the default mode attaches no probe");
                assertEquals(m, s0.value("gmpwatch_goroutines_by_creator", "pid", pid, "creator", "main.leaker"),
                        "goroutines leaked before the exporter started");
                assertEquals(m, s0.value("gmpwatch_goroutines_waiting", "pid", pid, "reason", "chan receive"));
                assertEquals(s0.value("gmpwatch_goroutines_live", "pid", pid),
                        s0.sum("gmpwatch_goroutines", "pid", pid), "states add up to the live count");

                int n = 5000;
                Scrape s1 = exporter.after(fx, "spawn " + n);
                assertEquals(n, delta(s0, s1, "gmpwatch_goroutines_created_total", pid), "created");
                // wg.Done() runs just before a goroutine ends: the last exits may land a moment later.
                double exited = delta(s0, s1, "gmpwatch_goroutines_exited_total", pid);
                for (int i = 0; i < 100 && exited < n; i++) {
                    Thread.sleep(20);
                    exited = delta(s0, exporter.scrape(), "gmpwatch_goroutines_exited_total", pid);
                }
                assertEquals(n, exited, "exited");
                Scrape s2 = exporter.after(fx, "gc 3");
                assertEquals(3, delta(s1, s2, "gmpwatch_gc_cycles_total", pid), "GC cycles");
                assertTrue(delta(s1, s2, "gmpwatch_stop_the_world_seconds_count", pid) >= 3, "GC pauses recorded");
                assertTrue(s2.value("gmpwatch_sched_latency_seconds_count", "pid", pid) > 0, "the runtime's latency histogram");

                fx.send("gomaxprocs 0");
                double reported = Double.parseDouble(fx.await("done", WAIT));
                assertEquals(reported, exporter.scrape().value("gmpwatch_gomaxprocs", "pid", pid), "GOMAXPROCS as the fixture reports it");
                Scrape s3 = exporter.after(fx, "gomaxprocs 1");
                assertEquals(1, s3.value("gmpwatch_gomaxprocs", "pid", pid), "follows runtime.GOMAXPROCS(1)");
                exporter.after(fx, "gomaxprocs " + (int) reported);

                HttpResponse<String> api = exporter.get("/api/v1/goroutines?pid=" + pid);
                assertEquals(200, api.statusCode());
                JsonNode top = new ObjectMapper().readTree(api.body()).get("creators").get(0);
                assertEquals("main.leaker", top.get("creator").asText(), api.body());
                assertEquals(m, top.get("count").asLong(), api.body());
                assertTrue(top.get("source").asText().matches(".*/main\\.go:\\d+"), "file:line of main.leaker: " + api.body());
                assertTrue(top.get("goStatement").asText().matches(".*/main\\.go:\\d+"), "the go statement: " + api.body());
                assertEquals(m, top.get("waitReasons").get("chan receive").asLong(), api.body());
                if (dev.gmpwatch.exporter.gobinary.GoVersion.minorNumber(go.version()) >= 22) {
                    Scrape s4 = exporter.after(fx, "leakargs 5");
                    assertEquals(5, s4.value("gmpwatch_goroutines_by_creator", "pid", pid, "creator", "main.leakerWithArg"),
                            "the go-statement wrapper resolves to the function it starts");
                }

                Scrape s5 = exporter.scrape();
                assertEquals(1, s5.value("gmpwatch_target_info", "pid", pid, "go_version", go.version(), "probe_mode", "off",
                        "status", "watching"));
                checkWithPromtool(s5.text);
                assertEquals(400, exporter.get("/api/v1/goroutines?pid=x").statusCode());
                assertEquals(404, exporter.get("/api/v1/goroutines?pid=1").statusCode());
                assertEquals(200, exporter.get("/healthz").statusCode());
            }
        }
    }

    /** The per-event mode (--probes): transitions, parks and lifetimes on top of the state metrics. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void perEventModeCountsTransitionsParksAndLifetimes(GoToolchain go) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
        try (FixtureProcess fx = FixtureProcess.start(bin)) {
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            try (ExporterProcess exporter = ExporterProcess.start("--probes", "--pid", pid, "--walk.min-interval", "0s")) {
                Scrape s0 = exporter.awaitWatching(fx.pid());
                int n = 5000;
                Scrape s1 = exporter.after(fx, "spawn " + n);
                assertEquals(n, delta(s0, s1, "gmpwatch_goroutines_created_total", pid), "created, from the state");
                assertEquals(n, s1.sum("gmpwatch_goroutine_transitions_total", "pid", pid, "from", "dead")
                        - s0.sum("gmpwatch_goroutine_transitions_total", "pid", pid, "from", "dead"), "left _Gdead, from the probes");
                assertTrue(delta(s0, s1, "gmpwatch_goroutine_lifetime_seconds_count", pid) >= n, "lifetimes observed");

                Scrape s2 = exporter.after(fx, "park 200");
                assertTrue(parks(s2, pid, "chan receive") - parks(s1, pid, "chan receive") >= 200, "chan receive parks");
                Scrape s3 = exporter.after(fx, "release");
                Scrape s4 = exporter.after(fx, "sleep 50 20");
                assertTrue(parks(s4, pid, "sleep") - parks(s3, pid, "sleep") >= 50, "sleep parks");

                assertEquals(1, s4.value("gmpwatch_target_info", "pid", pid, "go_version", go.version(), "probe_mode", "emulated"));
                checkWithPromtool(s4.text);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void seriesDisappearAndProbesDetachWhenAWatchedProcessExits(GoToolchain go) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.STRIPPED);
        int linksBefore = Command.uprobeLinks();
        try (ExporterProcess exporter = ExporterProcess.start("--probes", "--discover", "--discover.match", "^" + bin + "$",
                "--discover.interval", "200ms")) {
            String pid;
            try (FixtureProcess fx = FixtureProcess.start(bin)) {
                fx.await("ready", WAIT);
                pid = Long.toString(fx.pid());
                Scrape before = exporter.awaitWatching(fx.pid());
                assertTrue(Command.uprobeLinks() > linksBefore, "probes attached while it runs");
                Scrape after = exporter.after(fx, "spawn 100");
                assertEquals(100, delta(before, after, "gmpwatch_goroutines_created_total", pid));
            }
            awaitGone(exporter, pid);
            assertEquals(linksBefore, Command.uprobeLinks(), "its probes are detached");
        }
        assertEquals(linksBefore, Command.uprobeLinks(), "nothing left attached after the exporter exits");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void everyShortLivedProcessOfAnExeIsCountedAndCleanedUp(GoToolchain go) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
        int linksBefore = Command.uprobeLinks();
        List<String> pids = new java.util.ArrayList<>();
        try (ExporterProcess exporter = ExporterProcess.start("--probes", "--exe", bin.toString(), "--discover.interval", "100ms")) {
            for (int i = 0; i < 50; i++) {
                try (FixtureProcess fx = FixtureProcess.start(bin)) {
                    fx.await("ready", WAIT);
                    String pid = Long.toString(fx.pid());
                    pids.add(pid);
                    Scrape before = exporter.awaitProbed(fx.pid());
                    Scrape after = exporter.after(fx, "spawn 10");
                    assertEquals(10, delta(before, after, "gmpwatch_goroutines_created_total", pid), "process " + i);
                    assertEquals(10, after.sum("gmpwatch_goroutine_transitions_total", "pid", pid, "from", "dead")
                            - before.sum("gmpwatch_goroutine_transitions_total", "pid", pid, "from", "dead"), "probed, process " + i);
                    fx.send("exit");
                }
            }
            for (String pid : pids) {
                awaitGone(exporter, pid);
            }
            assertTrue(!exporter.scrape().text.contains("exe=\"" + bin.getFileName() + "\""), "no series left behind");
        }
        assertEquals(linksBefore, Command.uprobeLinks(), "nothing left attached after the exporter exits");
    }

    private static void awaitGone(ExporterProcess exporter, String pid) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (exporter.scrape().has("gmpwatch_goroutines_created_total", "pid", pid)
                || exporter.scrape().has("gmpwatch_goroutine_transitions_total", "pid", pid)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("series of pid " + pid + " still there 10 s after it exited");
            }
            Thread.sleep(50);
        }
    }


    private static double delta(Scrape a, Scrape b, String name, String pid) {
        return b.value(name, "pid", pid) - a.value(name, "pid", pid);
    }

    private static double parks(Scrape s, String pid, String reason) {
        return s.value("gmpwatch_goroutine_parks_total", "pid", pid, "reason", reason);
    }

    private static void checkWithPromtool(String exposition) throws Exception {
        Path f = Files.createTempFile("gmpwatch-metrics", ".txt");
        Files.writeString(f, exposition);
        Command.Result r = Command.run(List.of("sh", "-c", "promtool check metrics < " + f), Map.of(), null, Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), "promtool check metrics:\n" + r.stdout() + r.stderr());
    }
}
