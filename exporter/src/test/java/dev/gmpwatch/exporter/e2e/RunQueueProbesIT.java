package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoFunction;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.UprobeEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Local run-queue overflows and steals in the per-event mode, against the kernel's own count: a
 * uprobe event at runqputslow's entry, and a uretprobe event on runqsteal whose nil results are
 * the failed steals. A fixture that readies 1,500 goroutines from one goroutine overflows its
 * P's queue; the same fixture at rest overflows nothing.
 */
class RunQueueProbesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    static Stream<Arguments> builds() {
        List<Arguments> out = new ArrayList<>();
        for (GoToolchain go : GoToolchain.newestAndGo119()) {
            for (GoFixtures.Variant v : List.of(GoFixtures.Variant.NORMAL, GoFixtures.Variant.STRIPPED)) {
                out.add(Arguments.of(go, v));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("builds")
    void overflowsAndStealsEqualTheKernelsOwnCount(GoToolchain go, GoFixtures.Variant variant) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", variant);
        GoBinary binary = GoBinary.analyze(bin);
        try (UprobeEvents kernel = new UprobeEvents();
             FixtureProcess fx = FixtureProcess.start(List.of("env", "GOMAXPROCS=2", bin.toString()))) {
            kernel.probe("overflow", bin, fileOffset(binary, "runtime.runqputslow"));
            kernel.returnProbe("steal", bin, fileOffset(binary, "runtime.runqsteal"));
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            try (ExporterProcess exporter = ExporterProcess.start("--probes", "--pid", pid, "--probes.budget", "0.5")) {
                exporter.awaitProbed(fx.pid());
                Thread.sleep(1000);
                Scrape before = exporter.scrape();
                long overflowsBefore = kernel.hits("overflow");
                long stealsBefore = kernel.hits("steal");
                kernel.clearTrace();
                assertEquals(0, before.value("gmpwatch_runqueue_overflows_total", "pid", pid), "a process at rest overflows nothing");

                fx.send("bursts 1500 300 20");
                fx.await("done", WAIT);
                Thread.sleep(3000);
                fx.send("bursts 0 0 0");
                fx.await("done", WAIT);
                Thread.sleep(500); // the last burst drains, and the process is at rest again
                Scrape after = exporter.scrape();

                long overflows = kernel.hits("overflow") - overflowsBefore;
                long steals = kernel.hits("steal") - stealsBefore;
                long failed = kernel.traced("steal", " ret=0");
                System.out.printf("%s %s: %d overflows, %d steals, %d found nothing (kernel's count)%n", go.version(), variant,
                        overflows, steals, failed);
                assertTrue(overflows >= 10, "the bursts overflowed the spawning P's queue: " + overflows);
                assertEquals(overflows, after.since(before, "gmpwatch_runqueue_overflows_total", "pid", pid), "overflows");
                assertTrue(steals > 0, "the idle P stole");
                assertEquals(steals, after.since(before, "gmpwatch_steal_attempts_total", "pid", pid), "steal attempts");
                assertEquals(failed, after.since(before, "gmpwatch_steal_failures_total", "pid", pid), "steals that found nothing");
                assertTrue(failed < steals, "some steals found work: " + failed + " of " + steals);
            }
        }
    }

    private static long fileOffset(GoBinary binary, String function) throws Exception {
        GoFunction f = binary.functions().byName(function).orElseThrow(() -> new AssertionError(function + " not in the binary"));
        return binary.locate(f).fileOffset();
    }
}
