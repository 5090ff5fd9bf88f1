package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged exporter in the per-event mode against live Go fixtures (newest Go and Debian's Go
 * 1.19), scraped over HTTP: every figure is checked against what the fixture was told to do. The
 * default mode is {@link DefaultModeIT}'s.
 */
class PerEventModeIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    static List<GoToolchain> toolchains() {
        return GoToolchain.newestAndGo119();
    }

    /** A fixture with the per-event probes on it, shared by the tests that only count. */
    private static final SharedFixtures FIXTURES = new SharedFixtures(fx -> { }, "--probes", "--walk.min-interval", "0s");

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    /** Every goroutine created leaves _Gdead once, and its lifetime is observed, as the state's own counter says. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void transitionsAndLifetimesCountEveryGoroutine(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        int n = 5000;
        Scrape before = s.exporter().scrape();
        Scrape after = s.exporter().after(s.fx(), "spawn " + n);
        assertEquals(n, after.since(before, "gmpwatch_goroutines_created_total", "pid", s.pid()), "created, from the state");
        assertEquals(n, after.sum("gmpwatch_goroutine_transitions_total", "pid", s.pid(), "from", "dead")
                - before.sum("gmpwatch_goroutine_transitions_total", "pid", s.pid(), "from", "dead"), "left _Gdead, from the probes");
        assertTrue(after.since(before, "gmpwatch_goroutine_lifetime_seconds_count", "pid", s.pid()) >= n, "lifetimes observed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void parksAreCountedByWaitReason(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        Scrape before = s.exporter().scrape();
        Scrape parked = s.exporter().after(s.fx(), "park 200");
        assertTrue(parks(parked, s.pid(), "chan receive") - parks(before, s.pid(), "chan receive") >= 200, "chan receive parks");
        Scrape released = s.exporter().after(s.fx(), "release");
        Scrape slept = s.exporter().after(s.fx(), "sleep 50 20");
        assertTrue(parks(slept, s.pid(), "sleep") - parks(released, s.pid(), "sleep") >= 50, "sleep parks");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void theExpositionPassesPromtoolAndSaysTheProbeMode(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        Scrape now = s.exporter().scrape();
        assertEquals(1, now.value("gmpwatch_target_info", "pid", s.pid(), "go_version", go.version(), "probe_mode", "emulated"));
        now.checkWithPromtool();
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
                assertEquals(100, after.since(before, "gmpwatch_goroutines_created_total", "pid", pid));
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
                    assertEquals(10, after.since(before, "gmpwatch_goroutines_created_total", "pid", pid), "process " + i);
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


    private static double parks(Scrape s, String pid, String reason) {
        return s.value("gmpwatch_goroutine_parks_total", "pid", pid, "reason", reason);
    }
}
