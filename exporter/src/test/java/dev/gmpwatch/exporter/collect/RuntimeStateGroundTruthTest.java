package dev.gmpwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.discovery.ProcessLabeler;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoVersion;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.host.ProgramImage;
import dev.gmpwatch.exporter.runtime.TimeHistogram;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.sampling.ProcessSample;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import dev.gmpwatch.exporter.sampling.StateSampler;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The default mode against the runtime's own view: a fixture built at test time with every
 * toolchain the machine has, normal, stripped and PIE, starts goroutines before it is read and
 * prints its own NumGoroutine and runtime/metrics; what gmpwatch reads from outside must equal it.
 */
class RuntimeStateGroundTruthTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Procfs PROC = Procfs.HOST;
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> builds() {
        return GoFixtures.allBuildsOnEveryMachine();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("builds")
    void equalsTheRuntimesOwnNumbers(GoToolchain go, Variant variant, Machine machine) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", variant, machine);
        try (FixtureProcess fx = FixtureProcess.start(machine, bin)) {
            fx.await("ready", WAIT);
            // Goroutines that exist before gmpwatch first looks.
            for (String cmd : List.of("leak 37", "leakargs 5", "doze 11", "gc 2")) {
                fx.send(cmd);
                fx.await("done", WAIT);
            }
            ProgramImage image = ProgramImage.of(PROC, fx.pid());
            assertEquals(bin.toString(), image.path(), "the program, also under an emulator");
            assertEquals(machine != Machine.host().orElseThrow(), image.emulator().isPresent(), "the emulator: " + image.emulator());
            GoBinary binary = GoBinary.analyze(image.link());
            assertEquals(machine, binary.machine());
            Target t = new Target(fx.pid(), bin.getFileName().toString(), binary,
                    ProcessMemory.loadBias(PROC, fx.pid(), binary.pie(), binary.imageBase()), Target.PROBES_OFF,
                    ContainerIdentity.of(PROC, fx.pid()));
            StateSampler sampler = new StateSampler(PROC,
                    new StateSampler.Limits(1_000_000, Duration.ZERO), new SelfMetrics());
            String what = go.version() + " " + variant.label() + " " + machine.goarch();

            // Waking the fixture up for "stats" is itself a scheduling event, which the runtime may
            // time (1 in 8): our read is bracketed by two of the runtime's own, bucket for bucket,
            // and equals them exactly when nothing was timed in between.
            JsonNode own = stats(fx);
            ProcessSample s = settled(sampler, t);
            JsonNode ownAfter = stats(fx);
            assertEquals(ProcessSample.WATCHING, s.status(), what + ": " + s.reason());
            assertEquals(own.get("numGoroutine").asLong(), s.scheduler().goroutines(), what + ": live = NumGoroutine()");
            assertEquals(own.get("numGoroutine").asLong(), sum(s.walk().orElseThrow().byState()), what + ": the walk's states add up");
            assertEquals(own.get("gcCycles").asLong(), s.counters().gcCycles(), what + ": GC cycles");
            assertEquals(own.get("gomaxprocs").asInt(), s.scheduler().gomaxprocs(), what + ": GOMAXPROCS");
            if (own.get("created").asLong() >= 0) {
                assertEquals(own.get("created").asLong(), s.counters().created(), what + ": /sched/goroutines-created");
            }
            List<Long> ours = cumulative(s.scheduler().schedLatency());
            List<Long> runtimeBefore = cumulative(own.get("latency"), what);
            List<Long> runtimeAfter = cumulative(ownAfter.get("latency"), what);
            String buckets = what + ": latency buckets (count, then under each edge): ours " + ours + ", the runtime's just before "
                    + runtimeBefore + " and just after " + runtimeAfter;
            assertTrue(runtimeAfter.get(0) - runtimeBefore.get(0) <= 4, buckets);
            for (int i = 0; i < ours.size(); i++) {
                assertTrue(runtimeBefore.get(i) <= ours.get(i) && ours.get(i) <= runtimeAfter.get(i), buckets);
            }
            if (runtimeBefore.equals(runtimeAfter)) {
                assertEquals(runtimeBefore, ours, buckets);
            }

            Map<String, Long> reasons = s.walk().orElseThrow().waitingByReason();
            assertEquals(42L, reasons.get("chan receive"), what + ": 37 + 5 goroutines blocked on a channel: " + reasons);
            assertEquals(11L, reasons.get("sleep"), what + ": sleeping goroutines: " + reasons);
            Map<String, Long> creators = byCreator(s);
            assertEquals(37L, creators.get("main.leaker"), what + ": " + creators);
            assertEquals(11L, creators.get("main.dozer"), what + ": " + creators);
            if (GoVersion.minorNumber(go.version()) >= 22) {
                assertEquals(5L, creators.get("main.leakerWithArg"), what + ": go f(x) wrappers resolved: " + creators);
            } else {
                assertTrue(creators.containsValue(5L), what + ": the go f(x) closure's 5 goroutines: " + creators);
            }

            fx.send("spawn 1000");
            fx.await("done", WAIT);
            ProcessSample after = sample(sampler, t);
            // wg.Done() runs just before a goroutine ends: give the last ones a moment to exit.
            for (int i = 0; i < 100 && after.counters().exited() - s.counters().exited() < 1000; i++) {
                Thread.sleep(20);
                after = sample(sampler, t);
            }
            assertEquals(1000, after.counters().created() - s.counters().created(), what + ": created grows by exactly K");
            assertEquals(1000, after.counters().exited() - s.counters().exited(), what + ": and so does exited");

            fx.send("gomaxprocs 1");
            fx.await("done", WAIT);
            assertEquals(1, sample(sampler, t).scheduler().gomaxprocs(), what + ": follows runtime.GOMAXPROCS(1)");
            fx.send("gomaxprocs " + own.get("gomaxprocs").asInt());
            fx.await("done", WAIT);
            fx.send("spawn 50"); // ids now come from Ps beyond len(allp) too: created must stay exact
            fx.await("done", WAIT);
            assertEquals(1050, sample(sampler, t).counters().created() - s.counters().created(), what + ": after GOMAXPROCS moved");
            sampler.retain(java.util.Set.of());
        }
    }

    /** A sample taken when the latency histogram is not moving (nothing runs in the idle fixture). */
    private static ProcessSample settled(StateSampler sampler, Target t) throws Exception {
        ProcessSample last = sample(sampler, t);
        for (int i = 0; i < 20; i++) {
            Thread.sleep(50);
            ProcessSample next = sample(sampler, t);
            if (next.scheduler() != null && last.scheduler() != null
                    && next.scheduler().schedLatency().count() == last.scheduler().schedLatency().count()) {
                return next;
            }
            last = next;
        }
        return last;
    }

    private static JsonNode stats(FixtureProcess fx) throws Exception {
        fx.send("stats");
        return JSON.readTree(fx.await("done", WAIT));
    }

    /** The count, then the count under every exported edge. */
    private static List<Long> cumulative(TimeHistogram h) {
        List<Long> out = new ArrayList<>(List.of(h.count()));
        for (int e = SchedulerCollector.FIRST_EDGE_LOG2; e <= SchedulerCollector.LAST_EDGE_LOG2; e += SchedulerCollector.EDGE_STEP_LOG2) {
            out.add(h.countBelow(e));
        }
        return out;
    }

    /** The same from runtime/metrics' histogram; every exported edge must be one of its bucket edges. */
    private static List<Long> cumulative(JsonNode own, String what) {
        List<Double> edges = new ArrayList<>();
        own.get("buckets").forEach(b -> edges.add(Double.parseDouble(b.asText().replace("Inf", "Infinity"))));
        long[] counts = new long[own.get("counts").size()];
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = own.get("counts").get(i).asLong();
            total += counts[i];
        }
        List<Long> out = new ArrayList<>(List.of(total));
        for (int e = SchedulerCollector.FIRST_EDGE_LOG2; e <= SchedulerCollector.LAST_EDGE_LOG2; e += SchedulerCollector.EDGE_STEP_LOG2) {
            int at = edges.indexOf((1L << e) / 1e9);
            assertTrue(at > 0, what + ": 2^" + e + " ns is one of the runtime's bucket edges");
            long below = 0;
            for (int i = 0; i < at; i++) {
                below += counts[i];
            }
            out.add(below);
        }
        return out;
    }

    private static Map<String, Long> byCreator(ProcessSample s) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (CreatorRow r : s.walk().orElseThrow().creators()) {
            out.put(r.function(), r.count());
        }
        return out;
    }

    private static long sum(Map<String, Long> m) {
        return m.values().stream().mapToLong(Long::longValue).sum();
    }

    private static ProcessSample sample(StateSampler sampler, Target t) {
        return sampler.sample(t, ProcessLabeler.CGROUP_ONLY.labels(t.pid(), t.exe(), t.container()), StateSampler.Reads.ALL);
    }
}
