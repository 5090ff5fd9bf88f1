package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The per-event mode's budget: a fixture that creates goroutines as fast as it can hits the probes
 * millions of times a second, far over 2% of one CPU. Its probes are detached, its state keeps
 * being served, and gmpwatch_target_info says why; a quiet process beside it keeps its probes.
 */
class OverheadBudgetIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Links the per-event mode attaches to one process: casgstatus, runqputslow and the steal site in runqsteal. */
    private static final int PER_PROCESS = 3;

    @Test
    void aProcessOverTheBudgetLosesItsProbesButKeepsItsState() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        try (FixtureProcess busy = FixtureProcess.start(bin); FixtureProcess quiet = FixtureProcess.start(bin)) {
            busy.await("ready", WAIT);
            quiet.await("ready", WAIT);
            String pid = Long.toString(busy.pid());
            String quietPid = Long.toString(quiet.pid());
            int linksBefore = Command.uprobeLinks();
            try (ExporterProcess exporter = ExporterProcess.start("--probes", "--pid", pid, "--pid", quietPid,
                    "--discover.interval", "500ms", "--walk.min-interval", "0s")) {
                exporter.awaitWatching(busy.pid());
                exporter.awaitWatching(quiet.pid());
                assertEquals(linksBefore + 2 * PER_PROCESS, Command.uprobeLinks(),
                        "casgstatus, runqputslow and runqsteal for each of the two processes");
                busy.send("churn on");
                busy.await("done", WAIT);
                Scrape over = awaitProbeMode(exporter, pid, "over_budget");
                assertEquals(linksBefore + PER_PROCESS, Command.uprobeLinks(), "the busy process's probes are detached, the quiet one's stay");
                assertEquals(1, over.value("gmpwatch_target_info", "pid", quietPid, "probe_mode", "emulated"));
                double created = over.value("gmpwatch_goroutines_created_total", "pid", pid);
                Thread.sleep(500);
                Scrape later = exporter.scrape();
                assertEquals(1, later.value("gmpwatch_target_info", "pid", pid, "probe_mode", "over_budget", "status", "watching"));
                assertTrue(later.value("gmpwatch_goroutines_created_total", "pid", pid) > created, "its state is still read");
                String log = exporter.logText();
                assertEquals(1, log.lines().filter(l -> l.contains("per-event probes of pid " + pid + " detached")).count(), log);
                busy.send("churn off");
                busy.await("done", WAIT);
            }
        }
    }

    private static Scrape awaitProbeMode(ExporterProcess exporter, String pid, String mode) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Scrape s = exporter.scrape();
            if (s.sum("gmpwatch_target_info", "pid", pid, "probe_mode", mode) == 1) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("pid " + pid + " never reached probe_mode " + mode + "; log:\n" + exporter.logText());
    }

}
