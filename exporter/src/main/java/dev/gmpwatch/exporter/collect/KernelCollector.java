package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.sampling.KernelScrape;
import dev.gmpwatch.exporter.sampling.Scrape;
import java.util.List;
import java.util.function.Supplier;

/**
 * The kernel's run-queue latency of each process's threads (--kernel.runqueue), with the bucket
 * edges of gmpwatch_sched_latency_seconds, so "Go had no P for it" and "the kernel had no CPU for
 * it" sit on one axis. Pure: it renders the maps as read at this scrape.
 */
final class KernelCollector implements MetricsCollector {
    static final Metric RUNQUEUE_LATENCY = Metric.histogram("gmpwatch_thread_runqueue_latency_seconds",
            "Time the process's threads waited on a CPU run queue after becoming runnable (woken or preempted), from the"
            + " kernel's sched_wakeup and sched_switch tracepoints.");
    static final List<Metric> DECLARED = List.of(RUNQUEUE_LATENCY);

    private final Supplier<KernelScrape> kernel;

    KernelCollector(Supplier<KernelScrape> kernel) {
        this.kernel = kernel;
    }

    @Override
    public void collect(Scrape scrape, Families f) {
        f.declare(RUNQUEUE_LATENCY);
        for (KernelScrape.Counted c : kernel.get().processes()) {
            f.addHistogram(RUNQUEUE_LATENCY, Histograms.samples(RUNQUEUE_LATENCY.name(), c.labels().names(), c.labels().values(),
                    new Histograms.Log2Histogram(c.latency().buckets(), c.latency().sumNanos())));
        }
    }
}
