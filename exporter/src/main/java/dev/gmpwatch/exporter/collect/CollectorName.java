package dev.gmpwatch.exporter.collect;

import java.util.List;
import java.util.Locale;

/**
 * The collectors, in scrape order, each with what it serves and the families it declares. The
 * flags --collector.NAME and --no-collector.NAME, and the metric reference, come from this list.
 * The per-event collector runs after the snapshot is taken, so that a process the snapshot shows
 * as probed always has its per-event series in the same scrape.
 */
public enum CollectorName {
    SCHEDULER("the scheduler-wide state of each process: goroutine counters, Ps, threads, run queues, latency and"
            + " pause histograms", "", SchedulerCollector.DECLARED),
    WALK("goroutines by state, wait reason and creator, and stuck ages, from the goroutine walks (off: no walks at"
            + " scrapes)", "", WalkCollector.DECLARED),
    RUNQUEUE("the run queues sampled between scrapes (--sched.sample-rate a second): depth histograms and the last"
            + " minute's peaks (off: no sampling)", "", RunQueueCollector.DECLARED),
    HOST("the kernel's numbers of each process: CPU, CPU wait, cgroup throttling", "", HostCollector.DECLARED),
    PROBES("the per-event counts from the BPF maps (the probes stay attached, for the budget)", "probes", ProbeCollector.DECLARED),
    KERNEL("the kernel's run-queue latency of each process's threads, from the sched tracepoints", "kernel.runqueue",
            KernelCollector.DECLARED),
    KUBERNETES("the pod watch's own health (series keep their pod names)", "kubernetes", KubernetesCollector.DECLARED);

    private final String serves;
    private final String needs;
    private final List<Metric> declared;

    CollectorName(String serves, String needs, List<Metric> declared) {
        this.serves = serves;
        this.needs = needs;
        this.declared = declared;
    }

    /** As in the flags and in the collector label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What the collector's families are about, for --help and the docs. */
    public String serves() {
        return serves;
    }

    /** The flag that must be on for the collector to exist ("" when none): the mode it reads. */
    public String needs() {
        return needs;
    }

    /** Whether it renders the scrape's snapshot of the processes (so fails when taking it failed). */
    boolean readsSnapshot() {
        return needs.isEmpty();
    }

    public List<Metric> declared() {
        return declared;
    }
}
