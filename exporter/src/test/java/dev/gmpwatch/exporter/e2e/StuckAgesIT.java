package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stuck ages from real walks, on every toolchain at once (one exporter watches one fixture per
 * toolchain): goroutines parked 90 s and 30 s before the last walk, and a worker that wakes every
 * 100 ms and parks at the same place. Walks run every 5 s, so ages must match within 5 s.
 */
class StuckAgesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final double WALK_INTERVAL = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void agesMatchWithinOneWalkAndAPeriodicWorkerIsNeverStuck() throws Exception {
        List<GoToolchain> toolchains = GoToolchain.all();
        List<FixtureProcess> fixtures = new ArrayList<>();
        try {
            List<String> flags = new ArrayList<>(List.of("--walk.min-interval", "0s"));
            for (GoToolchain go : toolchains) {
                FixtureProcess fx = FixtureProcess.start(GoFixtures.build(go, "parker", GoFixtures.Variant.NORMAL));
                fx.await("ready", WAIT);
                fixtures.add(fx);
                flags.addAll(List.of("--pid", Long.toString(fx.pid())));
            }
            try (ExporterProcess exporter = ExporterProcess.start(flags.toArray(String[]::new))) {
                for (FixtureProcess fx : fixtures) {
                    exporter.awaitWatching(fx.pid());
                }
                long start = System.nanoTime();
                for (FixtureProcess fx : fixtures) {
                    command(fx, "old 10");
                    command(fx, "worker");
                }
                scrapeUntil(exporter, fixtures, start, 60);
                for (FixtureProcess fx : fixtures) {
                    command(fx, "young 5");
                }
                scrapeUntil(exporter, fixtures, start, 90);
                double elapsed = (System.nanoTime() - start) / 1e9;
                Scrape s = exporter.scrape();
                for (int i = 0; i < fixtures.size(); i++) {
                    String pid = Long.toString(fixtures.get(i).pid());
                    String what = toolchains.get(i).version() + " (pid " + pid + ")";
                    assertEquals(10, s.value("gmpwatch_goroutines_stuck", "pid", pid, "creator", "main.oldParker", "age", "1m"),
                            what + ": parked 90 s ago, in the 1 m bucket");
                    assertEquals(0, s.value("gmpwatch_goroutines_stuck", "pid", pid, "creator", "main.oldParker", "age", "10m"), what);
                    assertEquals(0, s.value("gmpwatch_goroutines_stuck", "pid", pid, "creator", "main.youngParker", "age", "1m"),
                            what + ": parked 30 s ago, not yet 1 m");
                    JsonNode creators = JSON.readTree(exporter.get("/api/v1/goroutines?pid=" + pid).body()).get("creators");
                    assertAge(creators, "main.oldParker", elapsed, what);
                    assertAge(creators, "main.youngParker", elapsed - 60, what);
                    double worker = longestStuck(creators, "main.worker");
                    assertTrue(worker <= 2 * WALK_INTERVAL, what + ": the worker runs every 100 ms, its age is "
                            + worker + " s");
                }
            }
        } finally {
            fixtures.forEach(FixtureProcess::close);
        }
    }

    private static void command(FixtureProcess fx, String command) {
        fx.send(command);
        fx.await("done", WAIT);
    }

    /** Scrapes every 5 s until {@code untilSeconds} after start; the worker must never reach 1 m or a stuck age. */
    private static void scrapeUntil(ExporterProcess exporter, List<FixtureProcess> fixtures, long start, double untilSeconds)
            throws Exception {
        while ((System.nanoTime() - start) / 1e9 < untilSeconds) {
            Thread.sleep((long) (WALK_INTERVAL * 1000));
            Scrape s = exporter.scrape();
            for (FixtureProcess fx : fixtures) {
                assertEquals(0, s.value("gmpwatch_goroutines_stuck", "pid", Long.toString(fx.pid()), "creator", "main.worker",
                        "age", "1m"), "the periodic worker, pid " + fx.pid());
            }
        }
    }

    private static void assertAge(JsonNode creators, String function, double expected, String what) {
        double age = longestStuck(creators, function);
        assertTrue(Math.abs(age - expected) <= WALK_INTERVAL + 1, what + ": " + function + " has not run for " + age
                + " s, expected " + expected + " s within one walk");
    }

    private static double longestStuck(JsonNode creators, String function) {
        for (JsonNode c : creators) {
            if (c.get("creator").asText().equals(function)) {
                JsonNode age = c.get("longestStuckSeconds");
                if (age == null || age.isNull()) {
                    throw new AssertionError(function + " has no stuck age: " + c);
                }
                return age.asDouble();
            }
        }
        throw new AssertionError("no creator " + function + " in " + creators);
    }
}
