package dev.gmpwatch.exporter.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoFunction;
import dev.gmpwatch.exporter.gobinary.HookedFunction;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real kernel, real Go programs: a counting uprobe attached through our jnr-ffi binding at the
 * chosen probe site counts exactly the calls the fixture made.
 */
class ProbeCounterKernelTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The newest Go and Debian's Go 1.19, each as a normal and a stripped PIE... and stripped build. */
    static Stream<Arguments> fixtures() {
        GoToolchain newest = GoToolchain.all().get(0);
        GoToolchain debian119 = GoToolchain.all().get(1);
        return Stream.of(
                Arguments.of(newest.version() + " normal", GoFixtures.build(newest, "spawner", Variant.NORMAL)),
                Arguments.of(newest.version() + " stripped", GoFixtures.build(newest, "spawner", Variant.STRIPPED)),
                Arguments.of(newest.version() + " pie", GoFixtures.build(newest, "spawner", Variant.PIE)),
                Arguments.of(debian119.version() + " normal", GoFixtures.build(debian119, "spawner", Variant.NORMAL)),
                Arguments.of(debian119.version() + " stripped", GoFixtures.build(debian119, "spawner", Variant.STRIPPED)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void countsEveryGoroutineCreationExactlyOnceAtTheEmulatedSite(String label, Path binary) throws Exception {
        GoBinary bin = GoBinary.analyze(binary);
        HookedFunction newproc1 = hooked(bin, "runtime.newproc1");
        assertEquals("emulated", newproc1.probeMode(), label);
        int n = 20_000;
        try (FixtureProcess p = FixtureProcess.start(binary); ProbeCounter counter = new ProbeCounter()) {
            p.await("ready", WAIT);
            try (BpfLink link = counter.attach(0, (int) p.pid(), binary.toString(), newproc1)) {
                p.send("spawn " + n);
                assertEquals(Integer.toString(n), p.await("done", WAIT));
                ProbeCounter.Count c = counter.read(0);
                System.out.printf("%s: newproc1 counted %d of %d goroutines%n", label, c.calls(), n);
                assertEquals(n, c.calls(), label + ": goroutines created");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void countsEveryCallExactlyOnceWhenTheStackMustGrowFirst(String label, Path binary) throws Exception {
        GoBinary bin = GoBinary.analyze(binary);
        GoFunction probed = bin.functions().byName("main.probed").orElseThrow(() -> new AssertionError("no main.probed in " + label));
        HookedFunction site = bin.locate(probed);
        assertTrue(site.stackCheckBranch(), label + ": main.probed must be probed on its stack-check JBE");
        int goroutines = 100;
        int depth = 64;
        try (FixtureProcess p = FixtureProcess.start(binary); ProbeCounter counter = new ProbeCounter()) {
            p.await("ready", WAIT);
            try (BpfLink link = counter.attach(1, (int) p.pid(), binary.toString(), site)) {
                p.send("grow " + goroutines + " " + depth);
                assertEquals(Integer.toString(goroutines * depth), p.await("done", WAIT));
                ProbeCounter.Count c = counter.read(1);
                System.out.printf("%s: main.probed counted %d of %d calls, %d morestack passes skipped%n",
                        label, c.calls(), goroutines * depth, c.morestackPasses());
                assertTrue(c.morestackPasses() >= goroutines, label + ": the fixture must make probed() grow the stack");
                assertEquals(goroutines * depth, c.calls(), label + ": calls counted");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void processesThatAreNotWatchedAreNotCounted(String label, Path binary) throws Exception {
        HookedFunction newproc1 = hooked(GoBinary.analyze(binary), "runtime.newproc1");
        try (FixtureProcess watched = FixtureProcess.start(binary); FixtureProcess other = FixtureProcess.start(binary);
             ProbeCounter counter = new ProbeCounter()) {
            watched.await("ready", WAIT);
            other.await("ready", WAIT);
            try (BpfLink link = counter.attach(2, (int) watched.pid(), binary.toString(), newproc1)) {
                other.send("spawn 500");
                other.await("done", WAIT);
                watched.send("spawn 7");
                watched.await("done", WAIT);
                assertEquals(7, counter.read(2).calls(), label);
            }
        }
    }

    private static HookedFunction hooked(GoBinary bin, String name) throws Exception {
        return bin.hookedFunctions().stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not found"));
    }
}
