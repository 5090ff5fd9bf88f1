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
                long[] oldAt = new long[fixtures.size()];
                long[] youngAt = new long[fixtures.size()];
                for (int i = 0; i < fixtures.size(); i++) {
                    command(fixtures.get(i), "old 10");
                    oldAt[i] = System.nanoTime();
                    command(fixtures.get(i), "worker");
                }
                scrapeUntil(exporter, fixtures, start, 60);
                for (int i = 0; i < fixtures.size(); i++) {
                    command(fixtures.get(i), "young 5");
                    youngAt[i] = System.nanoTime();
                }
                scrapeUntil(exporter, fixtures, start, 90);
                Scrape s = exporter.scrape();
                for (int i = 0; i < fixtures.size(); i++) {
                    String pid = Long.toString(fixtures.get(i).pid());
                    String what = toolchains.get(i).version() + " (pid " + pid + ")";
                    assertEquals(10, s.value("gmpwatch_goroutines_stuck", "pid", pid, "creator", "main.oldParker", "age", "1m"),
                            what + ": parked 90 s ago, in the 1 m bucket");
                    assertEquals(0, s.value("gmpwatch_goroutines_stuck", "pid", pid, "creator", "main.oldParker", "age", "10m"), what);
                    assertEquals(0, s.value("gmpwatch_goroutines_stuck", "pid", pid, "creator", "main.youngParker", "age", "1m"),
                            what + ": parked 30 s ago, not yet 1 m");
                    long asked = System.nanoTime(); // the API walks afresh on each request
                    JsonNode creators = JSON.readTree(exporter.get("/api/v1/goroutines?pid=" + pid).body()).get("creators");
                    assertAge(creators, "main.oldParker", (asked - oldAt[i]) / 1e9, what);
                    assertAge(creators, "main.youngParker", (asked - youngAt[i]) / 1e9, what);
                    String stacks = exporter.get("/api/v1/goroutines/stacks?pid=" + pid).body();
                    assertTrue(stacks.matches("(?s).*# state: chan receive 10; longest wait at least \\d+s\n#\t\\S+\tmain\\.oldParker\\+.*"),
                            what + ": the old parkers' stack says how long they have not run:\n" + stacks);
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

    /**
     * Ages are lower bounds: the first walk that sees a goroutine parked comes at most one walk
     * interval (and a scrape's time) after it parked, and no age exceeds the time since it parked.
     */
    private static void assertAge(JsonNode creators, String function, double parkedFor, String what) {
        double age = longestStuck(creators, function);
        assertTrue(age <= parkedFor + 0.5 && age >= parkedFor - WALK_INTERVAL - 3, what + ": " + function
                + " has not run for " + age + " s by gmpwatch, parked " + parkedFor + " s ago: not within one walk");
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
