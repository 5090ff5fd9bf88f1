package dev.gmpwatch.exporter.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.pprof.proto.Profile;
import dev.gmpwatch.exporter.runtime.GoroutineStackReader;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.RuntimeProfiles;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gmpwatch's goroutine stacks, unwound from outside, against the runtime's own goroutine profile
 * of the same parked process: the fixture blocks goroutines in a channel receive, a select, a
 * mutex, a sleep, a network read, a 20-deep recursion, an inlined helper and behind a compiler
 * wrapper, then serves /debug/pprof/goroutine. Every toolchain the machine has, normal, stripped
 * and PIE: grouped stacks must be equal frame for frame (function, file, line) and count for count.
 */
class StackGroundTruthTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Procfs PROC = Procfs.HOST;

    static Stream<Arguments> builds() {
        return GoFixtures.allBuildsOnEveryMachine();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("builds")
    void equalsTheRuntimesOwnGoroutineProfile(GoToolchain go, Variant variant, Machine machine) throws Exception {
        Path bin = GoFixtures.build(go, "stuck", variant, machine);
        String what = go.version() + " " + variant.label() + " " + machine.goarch();
        try (FixtureProcess fx = FixtureProcess.start(machine, bin)) {
            String addr = fx.await("ready", WAIT);
            GoBinary binary = GoBinary.analyze(bin);
            long bias = ProcessMemory.loadBias(PROC, fx.pid(), binary.pie(), binary.imageBase());
            StackProfile ours;
            try (ProcessReader reader = ProcessReader.open(PROC, fx.pid(), binary, bias)) {
                ours = StackProfile.read(fx.pid(), "stuck", reader, new GoroutineStackReader.Limits(100_000, 128));
            }
            // Ours first: the request for the runtime's profile adds goroutines of its own, which
            // are left out of the comparison below.
            Profile own = PprofFiles.parse(RuntimeProfiles.fetch(addr, "/debug/pprof/goroutine"));

            Map<List<String>, Long> theirs = PprofFiles.stacksWithLabels(own);
            theirs.keySet().removeIf(StackGroundTruthTest::servesTheProfileRequest);
            Map<List<String>, Long> mine = PprofFiles.stacksWithLabels(parseOurs(ours, bin));
            // The accept loop wakes for the profile request itself: the runtime may catch it running.
            theirs.keySet().removeIf(StackGroundTruthTest::acceptsTheProfileRequest);
            theirs.keySet().removeIf(StackGroundTruthTest::preemptedWhileRunning);
            assertEquals(1, mine.keySet().stream().filter(StackGroundTruthTest::acceptsTheProfileRequest).count(),
                    what + ": one accept loop, parked");
            mine.keySet().removeIf(StackGroundTruthTest::acceptsTheProfileRequest);

            assertEquals(0, ours.incomplete(), what + ": every parked goroutine unwound to its entry");
            assertEquals(theirs, mine, what + ": grouped stacks, frame for frame");
            assertTrue(mine.keySet().stream().anyMatch(s -> s.stream().filter(f -> f.startsWith("main.recurse ")).count() == 21),
                    what + ": the recursion is there in full");
            assertTrue(mine.keySet().stream().anyMatch(s -> IntStream.range(1, s.size()).anyMatch(i ->
                    s.get(i - 1).startsWith("main.waitOn ") && s.get(i).startsWith("main.inlinedWait "))),
                    what + ": the inlined helper is its own frame, under its caller");
            assertTrue(mine.keySet().stream().anyMatch(s -> s.stream().anyMatch(f -> f.startsWith("main.job.Run "))),
                    what + ": the method behind its wrapper");
            assertFalse(mine.keySet().stream().anyMatch(s -> s.stream().anyMatch(f -> f.startsWith("main.(*job).Run "))),
                    what + ": the wrapper hidden, as the runtime hides it");
            assertTrue(mine.keySet().stream().anyMatch(s -> s.get(s.size() - 1).equals("labels: {request=42, tenant=acme}")),
                    what + ": pprof.Do's labels: " + mine.keySet());
            assertTrue(mine.keySet().stream().anyMatch(s -> s.get(s.size() - 1).equals("labels: {worker=7 \"quoted\"}")),
                    what + ": SetGoroutineLabels' labels");
            assertTrue(StackText.labels(ours.groups().stream().filter(g -> g.labels().containsKey("tenant")).findFirst()
                    .orElseThrow().labels()).equals("{\"request\":\"42\", \"tenant\":\"acme\"}"), what + ": the text prints them as debug=1 does");
            assertNull(ours.groups().stream().map(StackProfile.Group::problem).filter(p -> p != null).findFirst().orElse(null),
                    what + ": no stopped stacks");
        }
    }

    /** The goroutines serving the profile request (the handler, its connection's reader; the runtime records the handler's own without frames). */
    private static boolean servesTheProfileRequest(List<String> stack) {
        return stack.isEmpty() || stack.stream().anyMatch(f -> (f.startsWith("runtime/pprof.") && !f.startsWith("runtime/pprof.Do "))
                || f.startsWith("net/http.(*connReader).backgroundRead "));
    }

    /**
     * A goroutine the runtime's profile caught running and preempted (under qemu the request's
     * goroutines run slowly enough), shown without the frames below asyncPreempt. Ours, read
     * before the request, saw every parked goroutine, and running ones are not unwound.
     */
    private static boolean preemptedWhileRunning(List<String> stack) {
        return !stack.isEmpty() && stack.stream().allMatch(f -> f.startsWith("runtime.asyncPreempt"));
    }

    private static boolean acceptsTheProfileRequest(List<String> stack) {
        return stack.stream().anyMatch(f -> f.startsWith("net/http.(*Server).Serve "));
    }

    private static Profile parseOurs(StackProfile p, Path bin) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StackPprof.write(p, bin.toString(), buf);
        return PprofFiles.parse(buf.toByteArray());
    }
}
