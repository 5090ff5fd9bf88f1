package dev.gmpwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.discovery.TargetStatus;
import dev.gmpwatch.exporter.host.CgroupThrottling.Throttling;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.kubernetes.KubernetesNames;
import dev.gmpwatch.exporter.probe.KernelRunQueue;
import dev.gmpwatch.exporter.probe.ProbeCounts;
import dev.gmpwatch.exporter.probe.SchedulerAbi;
import dev.gmpwatch.exporter.runtime.GoroutineCensus;
import dev.gmpwatch.exporter.runtime.ProcState;
import dev.gmpwatch.exporter.runtime.SchedulerState;
import dev.gmpwatch.exporter.runtime.TimeHistogram;
import dev.gmpwatch.exporter.sampling.DepthHistogram;
import dev.gmpwatch.exporter.sampling.KernelScrape;
import dev.gmpwatch.exporter.sampling.ProbeScrape;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.sampling.ProcessSample.Walk;
import dev.gmpwatch.exporter.sampling.ProcessSample;
import dev.gmpwatch.exporter.sampling.RunQueueDepths;
import dev.gmpwatch.exporter.sampling.RunQueueSampler;
import dev.gmpwatch.exporter.sampling.Scrape;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import dev.gmpwatch.exporter.sampling.StateSampler;
import dev.gmpwatch.exporter.testing.Repo;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The whole exposition of one scrape, every collector's families and the exporter's own included,
 * rendered from hand-made values and compared with a golden file: no root,
 * no process. Run with -Dgmpwatch.updateGolden=true to rewrite the file after an intended change,
 * and review the diff.
 */
class ExpositionGoldenTest {
    private static final Path GOLDEN = Repo.root().resolve("exporter/src/test/resources/golden/exposition.prom");
    private static final String CONTAINER_ID = "3f1c2a9e5b7d4c6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
    private static final String POD_UID = "8d1f9c2e-4b7a-4e3d-9f6a-1c2b3d4e5f60";
    /** What --kubernetes adds; the second process runs on the host, outside any pod. */
    private static final List<String> KUBERNETES_LABELS = List.of("namespace", "pod", "container");
    /** Every collector: each renders plain values, here made by hand. */
    static final List<CollectorName> PURE = List.of(CollectorName.values());

    @Test
    void exposition() throws Exception {
        StringWriter w = new StringWriter();
        TextFormat.write004(w, Collections.enumeration(set(Set.of()).collect()));
        String text = w.toString();
        if (Boolean.getBoolean("gmpwatch.updateGolden")) {
            Files.writeString(GOLDEN, text);
        }
        assertEquals(Files.readString(GOLDEN), text);
    }

    @Test
    void turningOneCollectorOffRemovesExactlyItsFamilies() {
        Set<String> all = names(set(Set.of()).collect());
        for (CollectorName off : PURE) {
            Set<String> expected = new TreeSet<>(all);
            off.declared().forEach(m -> expected.remove(m.familyName()));
            List<MetricFamilySamples> out = set(Set.of(off)).collect();
            assertEquals(expected, names(out), "--no-collector." + off.label());
            assertFalse(collectorLabels(out).contains(off.label()), off.label() + " is not reported as run");
        }
    }

    @Test
    void everyServedFamilyIsDeclaredByTheCollectorThatServedIt() {
        for (CollectorName only : PURE) {
            Set<CollectorName> off = EnumSet.allOf(CollectorName.class);
            off.remove(only);
            Set<String> served = names(set(off).collect());
            ExporterFamilies.DECLARED.forEach(m -> served.remove(m.familyName()));
            Set<String> declared = new TreeSet<>();
            only.declared().forEach(m -> declared.add(m.familyName()));
            assertEquals(declared, served, only.label());
        }
    }

    @Test
    void aFailedSnapshotFailsTheCollectorsThatRenderItAndNoOther() {
        CollectorSet set = new CollectorSet(entries(), Set.of(), reads -> {
            throw new IllegalStateException("the sampler is broken");
        }, ExpositionGoldenTest::self, ticks());
        List<MetricFamilySamples> out = set.collect();
        assertEquals(Map.of("scheduler", 0.0, "walk", 0.0, "runqueue", 0.0, "host", 0.0, "probes", 1.0, "kernel", 1.0, "kubernetes", 1.0),
                CollectorSetTest.byCollector(out, "gmpwatch_scrape_collector_success"));
        assertTrue(names(out).contains("gmpwatch_kubernetes_up"));
        assertFalse(names(out).contains("gmpwatch_goroutines_live"));
    }

    @Test
    void theSnapshotReadsOnlyWhatTheCollectorsThatAreOnNeed() {
        List<StateSampler.Reads> asked = new ArrayList<>();
        new CollectorSet(entries(), Set.of(CollectorName.WALK), reads -> {
            asked.add(reads);
            return Scrape.EMPTY;
        }, ExpositionGoldenTest::self, ticks()).collect();
        new CollectorSet(entries(), Set.of(CollectorName.HOST), reads -> {
            asked.add(reads);
            return Scrape.EMPTY;
        }, ExpositionGoldenTest::self, ticks()).collect();
        assertEquals(List.of(new StateSampler.Reads(false, true), new StateSampler.Reads(true, false)), asked);
    }

    private static CollectorSet set(Set<CollectorName> disabled) {
        Scrape scrape = new Scrape(List.of(go126(), go119Failed()), List.of(new Scrape.Skipped(
                ProcessLabels.of(99, "python3", ContainerIdentity.NONE).plus(KUBERNETES_LABELS, List.of("", "", "")),
                "", TargetStatus.NOT_GO)), 1);
        return new CollectorSet(entries(), disabled, reads -> scrape, ExpositionGoldenTest::self, ticks());
    }

    private static List<CollectorSet.Entry> entries() {
        List<CollectorSet.Entry> entries = new ArrayList<>(CollectorSet.snapshotCollectors(2));
        entries.add(CollectorSet.runQueues(() -> new RunQueueSampler.Cost(150_000, 1.75)));
        entries.add(CollectorSet.probes(ExpositionGoldenTest::probes));
        entries.add(CollectorSet.kernel(ExpositionGoldenTest::kernel));
        entries.add(CollectorSet.kubernetes(() -> new KubernetesNames.Health(true,
                Map.of("unreachable", 2L, "unauthorized", 0L, "forbidden", 0L, "bad_response", 0L), 3, 1207, 41)));
        return entries;
    }

    /**
     * The api process probed: 1,200 goroutines created and parked, lifetimes around 1 ms, one birth
     * not timed, 14 local run-queue overflows, 52,000 steal attempts of which 47,500 found nothing.
     */
    private static ProbeScrape probes() {
        long[][] transitions = new long[SchedulerAbi.G_STATES][SchedulerAbi.G_STATES];
        transitions[GoStatusCodes.DEAD][GoStatusCodes.RUNNABLE] = 1200;
        transitions[GoStatusCodes.RUNNABLE][GoStatusCodes.RUNNING] = 5100;
        transitions[GoStatusCodes.RUNNING][GoStatusCodes.WAITING] = 3900;
        transitions[GoStatusCodes.RUNNING][GoStatusCodes.DEAD] = 1150;
        long[] parks = new long[SchedulerAbi.WAIT_REASONS];
        parks[1] = 3000;  // the binary's text for code 1
        parks[63] = 900;  // a code it has no text for: "other"
        long[] lifetimes = new long[SchedulerAbi.HIST_BUCKETS];
        lifetimes[20] = 1100; // [2^19, 2^20) ns
        lifetimes[31] = 50;   // about a second
        ProcessLabels api = ProcessLabels.of(4242, "api", new ContainerIdentity(CONTAINER_ID, POD_UID))
                .plus(KUBERNETES_LABELS, List.of("shop", "api-7c9f5d-x2k4q", "api"));
        return new ProbeScrape(List.of(new ProbeScrape.Probed(api, List.of("", "chan receive", "select"),
                new ProbeCounts(transitions, parks, lifetimes, 1_100L * 700_000 + 50L * 1_500_000_000, new long[] {14, 52_000, 47_500}),
                OptionalDouble.of(0.004), true)),
                List.of(1L, 0L));
    }

    /** The api process's threads: 9,000 waits on a CPU run queue under 4 us, 40 around 3 ms (a CPU hog). */
    private static KernelScrape kernel() {
        long[] buckets = new long[SchedulerAbi.HIST_BUCKETS];
        buckets[11] = 9000; // [1024, 2048) ns
        buckets[22] = 40;   // [2^21, 2^22) ns
        ProcessLabels api = ProcessLabels.of(4242, "api", new ContainerIdentity(CONTAINER_ID, POD_UID))
                .plus(KUBERNETES_LABELS, List.of("shop", "api-7c9f5d-x2k4q", "api"));
        return new KernelScrape(List.of(new KernelScrape.Counted(api, new KernelRunQueue.Latency(buckets, 9000L * 1500 + 40L * 3_000_000))));
    }

    /** The runtime's status codes the hand-made counts use. */
    private static final class GoStatusCodes {
        static final int RUNNABLE = 1;
        static final int RUNNING = 2;
        static final int WAITING = 4;
        static final int DEAD = 6;
    }

    private static SelfMetrics.Snapshot self() {
        return new SelfMetrics.Snapshot(new TreeMap<>(Map.of("gone", 1L, "implausible", 4L, "unreadable", 0L, "unsupported", 0L)),
                new TreeMap<>(Map.of("capped", 0L, "complete", 12L, "skipped", 30L)), 2, 3_145_728, 5);
    }

    /** A clock that moves 1 ms per reading, so every duration in the exposition is fixed. */
    private static LongSupplier ticks() {
        long[] now = {0};
        return () -> now[0] += 1_000_000;
    }

    private static Set<String> names(List<MetricFamilySamples> out) {
        Set<String> names = new TreeSet<>();
        out.forEach(m -> names.add(m.name));
        return names;
    }

    private static Set<String> collectorLabels(List<MetricFamilySamples> out) {
        return CollectorSetTest.byCollector(out, "gmpwatch_scrape_collector_success").keySet();
    }

    @Test
    void histogramEdgesArePrefixSumsOfTheRuntimesBuckets() {
        long[] go120 = new long[TimeHistogram.COUNTS_GO120];
        go120[0] = 3;        // [0, 64 ns)
        go120[(20 - 7) * 4] = 5;  // the first bucket at or above 2^20 ns: [2^20, 2^20 + 2^18)
        go120[(20 - 7) * 4 - 1] = 7; // the last one below it
        TimeHistogram h = new TimeHistogram(go120, 1, 2);
        assertEquals(1 + 3 + 7, h.countBelow(20));
        assertEquals(1 + 3 + 7 + 5, h.countBelow(21));
        assertEquals(18, h.count());
        long[] go119 = new long[TimeHistogram.COUNTS_GO119];
        go119[15] = 4;             // [15, 16 ns)
        go119[(20 - 3) * 16 - 1] = 6; // just below 2^20 ns
        go119[(20 - 3) * 16] = 8;     // from 2^20 ns
        TimeHistogram old = new TimeHistogram(go119, 0, 0);
        assertEquals(10, old.countBelow(20));
        assertEquals(18, old.countBelow(21));
    }

    private static ProcessSample go126() {
        long[] counts = new long[TimeHistogram.COUNTS_GO120];
        counts[4] = 100;  // [256, 320 ns)
        counts[50] = 20;  // [2^19 + .., ) : under 2^20
        counts[60] = 3;   // around 8 ms
        long[] pauses = new long[TimeHistogram.COUNTS_GO120];
        pauses[40] = 2;
        List<ProcState> procs = List.of(new ProcState(0, 1, 3, 1000, 10), new ProcState(1, 0, 0, 500, 2));
        SchedulerState st = new SchedulerState(5042, 6, 90_210, 17, 2, 1, 0, 9, 4, procs,
                new TimeHistogram(counts, 0, 1), Optional.of(new TimeHistogram(pauses, 0, 0)), false);
        List<CreatorRow> rows = new ArrayList<>(List.of(
                new CreatorRow("main.leaker", "/src/main.go:10", "/src/main.go:20", 5000, Map.of("waiting", 5000L),
                        Map.of("chan receive", 5000L), 61.5, List.of(4000L, 1200L, 0L), 3000.0),
                new CreatorRow("net/http.(*conn).serve", "/go/net/http/server.go:1", "/go/net/http/server.go:2", 30,
                        Map.of("waiting", 30L), Map.of("IO wait", 30L), Double.NaN),
                new CreatorRow("main.worker", "/src/main.go:30", "/src/main.go:40", 11, Map.of("running", 1L, "runnable", 10L),
                        Map.of(), Double.NaN),
                new CreatorRow("runtime.main", "/go/runtime/proc.go:1", "", 1, Map.of("waiting", 1L), Map.of("select", 1L), Double.NaN)));
        Walk walk = new Walk(Map.of("waiting", 5031L, "running", 1L, "runnable", 10L),
                Map.of("chan receive", 5000L, "IO wait", 30L, "select", 1L), rows, false, 0.25, 0.0012,
                new GoroutineCensus.History(5031, 0, 196_608));
        return new ProcessSample(4242, "api", "go1.26.8", "off", ProcessSample.WATCHING, "", st,
                new ProcessSample.Counters(90_210, 85_162, 17, 1500, 12, OptionalLong.of(2_500_000_000L)), Optional.of(walk),
                OptionalDouble.of(12.5), Optional.of(new Throttling(1000, 25, 3_000_000_000L)),
                ProcessLabels.of(4242, "api", new ContainerIdentity(CONTAINER_ID, POD_UID))
                        .plus(KUBERNETES_LABELS, List.of("shop", "api-7c9f5d-x2k4q", "api")), Optional.of(runQueues()));
    }

    /**
     * 3,000 samples of the api process: the global queue mostly empty with a burst of 700, one P's
     * queue full in 12 samples.
     */
    private static RunQueueDepths runQueues() {
        List<Long> queue = List.of(0L, 1L, 4L, 16L, 64L, 256L, 1024L);
        List<Long> local = List.of(0L, 1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 255L, 256L);
        List<Long> procs = List.of(0L, 1L, 2L, 4L);
        return new RunQueueDepths(3000, 2,
                new DepthHistogram(queue, List.of(2900L, 2940L, 2960L, 2970L, 2980L, 2990L, 3000L), 3000, 41_000),
                new DepthHistogram(local, List.of(2500L, 2700L, 2800L, 2850L, 2900L, 2950L, 2970L, 2980L, 2985L, 2988L, 3000L), 3000, 9_100),
                new DepthHistogram(procs, List.of(200L, 900L, 3000L, 3000L), 3000, 4_700),
                new DepthHistogram(procs, List.of(2600L, 3000L, 3000L, 3000L), 3000, 400), 12, 700, 257);
    }

    /** A process whose memory could not be read: only its info series, with why. */
    private static ProcessSample go119Failed() {
        return new ProcessSample(77, "legacy", "go1.19.8", "off", "implausible", "implausible runtime state: allglen 1099511627776",
                null, new ProcessSample.Counters(0, 0, 0, 0, 0, OptionalLong.empty()), Optional.empty(),
                OptionalDouble.empty(), Optional.empty(),
                ProcessLabels.of(77, "legacy", ContainerIdentity.NONE).plus(KUBERNETES_LABELS, List.of("", "", "")), Optional.empty());
    }
}
