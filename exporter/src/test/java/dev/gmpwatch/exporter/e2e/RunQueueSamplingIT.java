package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The run queues sampled between scrapes catch a queue that a scrape-time reading misses: a
 * fixture readies 1,500 goroutines at once every second, which fill the queues for a few tens of
 * milliseconds. The scrapes' own readings of the global queue almost never see it; the sampled
 * histogram and peak do, every burst.
 */
class RunQueueSamplingIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int BURST = 1500;
    private static final int SCRAPES = 16;

    static List<GoToolchain> toolchains() {
        return GoToolchain.newestAndGo119();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void aBurstBetweenScrapesShowsInTheSampledHistogramAndPeak(GoToolchain go) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.STRIPPED);
        try (FixtureProcess fx = FixtureProcess.start(List.of("env", "GOMAXPROCS=2", bin.toString()))) {
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            try (ExporterProcess exporter = ExporterProcess.start("--pid", pid, "--sched.sample-rate", "100")) {
                exporter.awaitWatching(fx.pid());
                Thread.sleep(1500);
                Scrape idle = exporter.scrape();
                assertTrue(idle.value("gmpwatch_sampled_global_run_queue_depth_count", "pid", pid) >= 50,
                        "sampled about 100 times a second");
                assertEquals(0, idle.value("gmpwatch_sampled_global_run_queue_peak", "pid", pid), "an idle process queues nothing");
                assertEquals(0, idle.value("gmpwatch_sampled_local_run_queue_full_total", "pid", pid));

                fx.send("bursts " + BURST + " 1000 20");
                fx.await("done", WAIT);
                List<Double> readings = new ArrayList<>();
                for (int i = 0; i < SCRAPES; i++) {
                    Thread.sleep(500);
                    readings.add(exporter.scrape().value("gmpwatch_global_run_queue_length", "pid", pid));
                }
                Scrape after = exporter.scrape();
                fx.send("bursts 0 0 0");
                fx.await("done", WAIT);

                long missed = readings.stream().filter(v -> v < 64).count();
                assertTrue(missed >= SCRAPES * 3 / 4, "a scrape-time reading misses the bursts in most scrapes: " + readings);
                double deep = after.since(idle, "gmpwatch_sampled_global_run_queue_depth_count", "pid", pid)
                        - after.since(idle, "gmpwatch_sampled_global_run_queue_depth_bucket", "pid", pid, "le", "64");
                assertTrue(deep >= 4, "samples with over 64 goroutines queued, in about 8 bursts: " + deep
                        + "; the scrapes saw " + readings);
                double peak = after.value("gmpwatch_sampled_global_run_queue_peak", "pid", pid);
                assertTrue(peak >= 256 && peak <= BURST, "the burst's peak: " + peak);
                assertTrue(after.value("gmpwatch_sampled_local_run_queue_peak", "pid", pid) >= 16, "the local queues filled too");
                assertEquals(0, after.value("gmpwatch_sampled_run_queue_failures_total", "pid", pid));
                assertTrue(after.value("gmpwatch_run_queue_sampler_cpu_seconds_total") > 0, "the sampler's own cost is served");
            }
        }
    }
}
