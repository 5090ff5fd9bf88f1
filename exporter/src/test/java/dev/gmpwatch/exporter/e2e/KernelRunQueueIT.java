package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * --kernel.runqueue: a fixture pinned to CPU 0 (GOMAXPROCS=1) does 2 ms of work every 5 ms; then two CPU hogs
 * pinned to the same CPU starve it. The threads' waits on the CPU's run queue over 1 ms go from
 * rare to common, and the runtime's own latency histogram is served beside them.
 */
class KernelRunQueueIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String MS = "0.001048576";

    @Test
    void runQueueWaitsRiseWhenTheFixturesCpuIsTakenAndTheRuntimesLatencyIsBesideThem() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.STRIPPED);
        int linksBefore = Command.uprobeLinks();
        try (FixtureProcess fx = FixtureProcess.start(List.of("taskset", "-c", "0", "env", "GOMAXPROCS=1", bin.toString()))) {
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            fx.send("bursts 20 5 100");
            fx.await("done", WAIT);
            try (ExporterProcess exporter = ExporterProcess.start("--kernel.runqueue", "--pid", pid)) {
                exporter.awaitWatching(fx.pid());
                assertEquals(linksBefore, Command.uprobeLinks(), "tracepoints only: no uprobe on the process");
                Thread.sleep(1000);
                Scrape start = exporter.scrape();
                Thread.sleep(3000);
                Scrape calm = exporter.scrape();
                List<Process> hogs = new ArrayList<>();
                try {
                    for (int i = 0; i < 2; i++) {
                        hogs.add(new ProcessBuilder("taskset", "-c", "0", "sh", "-c", "while :; do :; done").start());
                    }
                    Thread.sleep(3000);
                } finally {
                    hogs.forEach(Process::destroyForcibly);
                }
                Scrape starved = exporter.scrape();

                double calmWaits = calm.since(start, "gmpwatch_thread_runqueue_latency_seconds_count", "pid", pid);
                double starvedWaits = starved.since(calm, "gmpwatch_thread_runqueue_latency_seconds_count", "pid", pid);
                double calmLong = calmWaits - calm.since(start, "gmpwatch_thread_runqueue_latency_seconds_bucket", "pid", pid, "le", MS);
                double starvedLong = starvedWaits
                        - starved.since(calm, "gmpwatch_thread_runqueue_latency_seconds_bucket", "pid", pid, "le", MS);
                System.out.printf("run-queue waits over 1 ms: %.0f of %.0f calm, %.0f of %.0f with two hogs on its CPU%n",
                        calmLong, calmWaits, starvedLong, starvedWaits);
                assertTrue(calmWaits > 100 && starvedWaits > 100, "its threads were counted: " + calmWaits + ", " + starvedWaits);
                assertTrue(calmLong / calmWaits < 0.25, "calm: few waits over 1 ms: " + calmLong + " of " + calmWaits);
                assertTrue(starvedLong / starvedWaits > calmLong / calmWaits + 0.2,
                        "starved: far more waits over 1 ms: " + starvedLong + " of " + starvedWaits);
                assertTrue(starved.value("gmpwatch_sched_latency_seconds_count", "pid", pid) > 0,
                        "the runtime's own latency is served beside it");
                assertEquals(1, starved.value("gmpwatch_scrape_collector_success", "collector", "kernel"));
            }
        }
    }
}
