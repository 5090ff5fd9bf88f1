package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing is stopped while it is read, so reads tear. A fixture creates and ends goroutines as fast
 * as it can while the exporter is scraped 1,000 times: no counter may go back, no scrape may fail.
 */
class TornReadsIT {
    private static final int SCRAPES = 1000;
    private static final List<String> COUNTERS = List.of("gmpwatch_goroutines_created_total", "gmpwatch_goroutines_exited_total",
            "gmpwatch_gc_cycles_total", "gmpwatch_sched_latency_seconds_count", "gmpwatch_sched_ticks_total",
            "gmpwatch_syscall_ticks_total", "gmpwatch_stop_the_world_seconds_count");

    /** The newest Go and Go 1.19, each on both machines (arm64 under qemu-user). */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> toolchains() {
        return GoToolchain.newestAndGo119().stream().flatMap(go -> java.util.Arrays.stream(Machine.values())
                .map(m -> org.junit.jupiter.params.provider.Arguments.of(go, m)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("toolchains")
    void countersNeverDecreaseAndNoScrapeFailsDuringAGoroutineStorm(GoToolchain go, Machine machine) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL, machine);
        try (FixtureProcess fx = FixtureProcess.start(machine, bin)) {
            fx.await("ready", Duration.ofSeconds(60));
            String pid = Long.toString(fx.pid());
            try (ExporterProcess exporter = ExporterProcess.start("--pid", pid, "--walk.min-interval", "0s")) {
                exporter.awaitWatching(fx.pid());
                fx.send("churn on");
                fx.await("done", Duration.ofSeconds(60));
                fx.send("gc 300"); // GC cycles and stop-the-world pauses move too
                Map<String, Double> last = new HashMap<>();
                double firstCreated = -1;
                for (int i = 0; i < SCRAPES; i++) {
                    Scrape s = exporter.scrape();
                    assertEquals(1, s.value("gmpwatch_target_info", "pid", pid, "status", "watching"), "scrape " + i + " read the process");
                    for (String c : COUNTERS) {
                        double v = s.value(c, "pid", pid);
                        Double before = last.put(c, v);
                        assertTrue(before == null || v >= before, c + " went back at scrape " + i + ": " + before + " -> " + v);
                    }
                    if (firstCreated < 0) {
                        firstCreated = last.get("gmpwatch_goroutines_created_total");
                    }
                }
                fx.await("done", Duration.ofSeconds(120));
                fx.send("churn off");
                fx.await("done", Duration.ofSeconds(60));
                double created = last.get("gmpwatch_goroutines_created_total") - firstCreated;
                Scrape end = exporter.scrape();
                System.out.printf("%s: %d scrapes during a storm of %.0f goroutines, %.0f GC cycles; walks %s%n", go.version() + " " + machine.goarch(),
                        SCRAPES, created, last.get("gmpwatch_gc_cycles_total"), end.text.lines()
                                .filter(l -> l.startsWith("gmpwatch_goroutine_walks_total")).toList());
                assertTrue(created > 100_000, "the storm really happened: " + created);
                assertEquals(0, end.sum("gmpwatch_snapshot_errors_total"), "no read failed");
                String log = exporter.logText();
                assertFalse(log.lines().anyMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), "no stack trace:\n" + log);
            }
        }
    }
}
