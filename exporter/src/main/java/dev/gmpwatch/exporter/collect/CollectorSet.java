package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.kubernetes.KubernetesNames;
import dev.gmpwatch.exporter.sampling.KernelScrape;
import dev.gmpwatch.exporter.sampling.ProbeScrape;
import dev.gmpwatch.exporter.sampling.RunQueueSampler;
import dev.gmpwatch.exporter.sampling.Scrape;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import dev.gmpwatch.exporter.sampling.StateSampler;
import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Every collector of a scrape, each under its name, run in {@link CollectorName} order on one
 * snapshot of the served processes. A collector that fails costs its own families only: the rest
 * of the scrape is served, and {@code gmpwatch_scrape_collector_success{collector}} says which one
 * failed. The snapshot reads only what the collectors that are on need.
 */
public final class CollectorSet extends Collector {
    private static final System.Logger LOG = System.getLogger("gmpwatch.collect");

    /** One collector under its name. */
    public record Entry(CollectorName name, MetricsCollector collector) {
    }

    private final List<Entry> entries;
    private final Function<StateSampler.Reads, Scrape> snapshot;
    private final Supplier<SelfMetrics.Snapshot> self;
    private final LongSupplier nanoClock;
    private final StateSampler.Reads reads;

    /**
     * @param entries  the collectors that exist in this run, in any order
     * @param disabled names turned off with --no-collector.NAME: their collectors never run
     * @param snapshot takes the scrape's snapshot, reading what it is asked to
     * @param self     the exporter's own counters, read after every collector ran
     * @param nanoClock times the snapshot and each collector
     */
    public CollectorSet(List<Entry> entries, Set<CollectorName> disabled, Function<StateSampler.Reads, Scrape> snapshot,
                        Supplier<SelfMetrics.Snapshot> self, LongSupplier nanoClock) {
        this.entries = entries.stream().filter(e -> !disabled.contains(e.name()))
                .sorted((a, b) -> a.name().compareTo(b.name())).toList();
        this.snapshot = snapshot;
        this.self = self;
        this.nanoClock = nanoClock;
        Set<CollectorName> on = EnumSet.noneOf(CollectorName.class);
        this.entries.forEach(e -> on.add(e.name()));
        this.reads = new StateSampler.Reads(on.contains(CollectorName.WALK), on.contains(CollectorName.HOST));
    }

    /** The collectors of the snapshot, which every run has: scheduler, walk and host. */
    public static List<Entry> snapshotCollectors(int topK) {
        return List.of(new Entry(CollectorName.SCHEDULER, new SchedulerCollector()),
                new Entry(CollectorName.WALK, new WalkCollector(topK)),
                new Entry(CollectorName.HOST, new HostCollector()));
    }

    /** The per-event mode's collector, rendering the probe maps as read at each scrape. */
    public static Entry probes(Supplier<ProbeScrape> probes) {
        return new Entry(CollectorName.PROBES, new ProbeCollector(probes));
    }

    /** The run queues sampled between scrapes, and what sampling costs. */
    public static Entry runQueues(Supplier<RunQueueSampler.Cost> cost) {
        return new Entry(CollectorName.RUNQUEUE, new RunQueueCollector(cost));
    }

    /** The kernel's run-queue latency, read from the tracepoints' maps at each scrape. */
    public static Entry kernel(Supplier<KernelScrape> kernel) {
        return new Entry(CollectorName.KERNEL, new KernelCollector(kernel));
    }

    /** The pod watch's health collector. */
    public static Entry kubernetes(Supplier<KubernetesNames.Health> health) {
        return new Entry(CollectorName.KUBERNETES, new KubernetesCollector(health));
    }

    @Override
    public synchronized List<MetricFamilySamples> collect() {
        long t0 = nanoClock.getAsLong();
        Scrape scrape = Scrape.EMPTY;
        boolean snapshotOk = true;
        try {
            scrape = snapshot.apply(reads);
        } catch (RuntimeException e) {
            snapshotOk = false;
            LOG.log(System.Logger.Level.WARNING, "taking the scrape's snapshot failed: " + e);
        }
        double readSeconds = (nanoClock.getAsLong() - t0) / 1e9;
        List<MetricFamilySamples> out = new ArrayList<>();
        List<ExporterFamilies.Result> results = new ArrayList<>();
        for (Entry e : entries) {
            long t1 = nanoClock.getAsLong();
            boolean ok = snapshotOk || !e.name().readsSnapshot();
            if (ok) {
                Families f = new Families();
                try {
                    e.collector().collect(scrape, f);
                    out.addAll(f.build());
                } catch (RuntimeException ex) {
                    ok = false;
                    LOG.log(System.Logger.Level.WARNING, "collector " + e.name().label() + " failed: " + ex);
                }
            }
            results.add(new ExporterFamilies.Result(e.name(), ok, (nanoClock.getAsLong() - t1) / 1e9));
        }
        Families f = new Families();
        ExporterFamilies.render(scrape, self.get(), readSeconds, results, f);
        out.addAll(f.build());
        return out;
    }
}
