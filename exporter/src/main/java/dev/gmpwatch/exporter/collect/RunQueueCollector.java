package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.sampling.DepthHistogram;
import dev.gmpwatch.exporter.sampling.ProcessSample;
import dev.gmpwatch.exporter.sampling.RunQueueDepths;
import dev.gmpwatch.exporter.sampling.RunQueueSampler;
import dev.gmpwatch.exporter.sampling.Scrape;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The run queues as sampled between scrapes (--sched.sample-rate times a second): histograms of the
 * global queue's depth, the deepest local queue, idle Ps and spinning Ms, the samples that found a
 * local queue full, and the last minute's peaks. Pure: it renders what the sampler kept.
 */
final class RunQueueCollector implements MetricsCollector {
    static final Metric GLOBAL = Metric.histogram("gmpwatch_sampled_global_run_queue_depth",
            "Goroutines in the global run queue, sampled between scrapes (--sched.sample-rate a second).");
    static final Metric DEEPEST_LOCAL = Metric.histogram("gmpwatch_sampled_local_run_queue_max_depth",
            "The deepest P-local run queue (256 slots, runnext included) of each sample.");
    static final Metric IDLE = Metric.histogram("gmpwatch_sampled_procs_idle", "Idle Ps in each sample (sched.npidle).");
    static final Metric SPINNING = Metric.histogram("gmpwatch_sampled_threads_spinning",
            "Spinning Ms in each sample (sched.nmspinning).");
    static final Metric FULL_LOCAL = Metric.counter("gmpwatch_sampled_local_run_queue_full_total",
            "Samples in which some P's local run queue was full (256): the next goroutine it readies overflows to the global queue.");
    static final Metric GLOBAL_PEAK = Metric.gauge("gmpwatch_sampled_global_run_queue_peak",
            "The deepest global run queue sampled in the last " + RunQueueDepths.PEAK_WINDOW_SECONDS + " s.");
    static final Metric LOCAL_PEAK = Metric.gauge("gmpwatch_sampled_local_run_queue_peak",
            "The deepest local run queue sampled in the last " + RunQueueDepths.PEAK_WINDOW_SECONDS + " s, runnext included.");
    static final Metric FAILURES = Metric.counter("gmpwatch_sampled_run_queue_failures_total",
            "Run-queue samples that could not be read (the process was remapping or exiting).");
    static final Metric ROUNDS = Metric.counter("gmpwatch_run_queue_sampler_rounds_total",
            "Sampling rounds, each of which samples every watched process once.").exporterWide();
    static final Metric CPU = Metric.counter("gmpwatch_run_queue_sampler_cpu_seconds_total",
            "CPU time of the exporter's sampling thread: what sampling between scrapes costs.").exporterWide();
    static final List<Metric> DECLARED = List.of(GLOBAL, DEEPEST_LOCAL, IDLE, SPINNING, FULL_LOCAL, GLOBAL_PEAK, LOCAL_PEAK,
            FAILURES, ROUNDS, CPU);

    private final Supplier<RunQueueSampler.Cost> cost;

    RunQueueCollector(Supplier<RunQueueSampler.Cost> cost) {
        this.cost = cost;
    }

    @Override
    public void collect(Scrape scrape, Families f) {
        DECLARED.forEach(f::declare);
        for (ProcessSample s : scrape.samples()) {
            s.runQueues().ifPresent(d -> render(d, s.labels(), f));
        }
        RunQueueSampler.Cost c = cost.get();
        f.add(ROUNDS, List.of(), c.rounds());
        f.add(CPU, List.of(), c.cpuSeconds());
    }

    private static void render(RunQueueDepths d, ProcessLabels proc, Families f) {
        histogram(f, GLOBAL, proc, d.global());
        histogram(f, DEEPEST_LOCAL, proc, d.deepestLocal());
        histogram(f, IDLE, proc, d.idleProcs());
        histogram(f, SPINNING, proc, d.spinning());
        f.add(FULL_LOCAL, proc, d.fullLocalSamples());
        f.add(GLOBAL_PEAK, proc, d.globalPeak());
        f.add(LOCAL_PEAK, proc, d.localPeak());
        f.add(FAILURES, proc, d.failures());
    }

    private static void histogram(Families f, Metric m, ProcessLabels proc, DepthHistogram h) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < h.edges().size(); i++) {
            out.add(bucket(m, proc, Long.toString(h.edges().get(i)), h.cumulative().get(i)));
        }
        out.add(bucket(m, proc, "+Inf", h.count()));
        out.add(new Sample(m.name() + "_count", proc.names(), proc.values(), h.count()));
        out.add(new Sample(m.name() + "_sum", proc.names(), proc.values(), h.sum()));
        f.addHistogram(m, out);
    }

    private static Sample bucket(Metric m, ProcessLabels proc, String le, long n) {
        ProcessLabels l = proc.plus("le", le);
        return new Sample(m.name() + "_bucket", l.names(), l.values(), n);
    }
}
