package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** --no-collector.NAME on a live process: exactly that collector's families go, and its reads stop. */
class CollectorsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void turningOffTheWalkAndHostCollectorsStopsTheirFamiliesAndTheirReads() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        try (FixtureProcess fx = FixtureProcess.start(bin)) {
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            fx.send("leak 7");
            fx.await("done", WAIT);
            try (ExporterProcess exporter = ExporterProcess.start("--pid", pid, "--walk.min-interval", "0s",
                    "--no-collector.walk", "--no-collector.host", "--collector.scheduler")) {
                exporter.awaitWatching(fx.pid());
                Scrape s = exporter.scrape();
                assertTrue(s.value("gmpwatch_goroutines_live", "pid", pid) >= 8, "the scheduler collector still serves");
                assertFalse(s.has("gmpwatch_goroutines", "pid", pid), "no walk families");
                assertFalse(s.has("gmpwatch_goroutines_by_creator", "pid", pid), "no walk families");
                assertFalse(s.has("gmpwatch_process_cpu_seconds_total", "pid", pid), "no host families");
                assertFalse(s.has("gmpwatch_cgroup_cpu_throttled_periods_total", "pid", pid), "no host families");
                assertEquals(0, s.value("gmpwatch_goroutine_walks_total", "result", "complete"), "no walk was taken at all");
                assertEquals(1, s.value("gmpwatch_scrape_collector_success", "collector", "scheduler"));
                assertFalse(s.has("gmpwatch_scrape_collector_success", "collector", "walk"), "an off collector is not reported");
                assertEquals(200, exporter.get("/api/v1/goroutines?pid=" + pid).statusCode(), "the API still walks on request");
            }
        }
    }
}
