package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.sampling.ProcessSample;
import dev.gmpwatch.exporter.sampling.Scrape;
import java.util.List;

/**
 * The kernel's numbers of each served process: its CPU, the time its threads waited for a CPU, and
 * its cgroup's throttling. Pure: it renders the snapshot; turned off, the sampler reads none of them.
 */
final class HostCollector implements MetricsCollector {
    static final Metric CPU = Metric.counter("gmpwatch_process_cpu_seconds_total",
            "User and system CPU time of the process, from /proc/PID/stat.");
    static final Metric CPU_WAIT = Metric.counter("gmpwatch_process_cpu_wait_seconds_total",
            "Time the process's live threads spent runnable, waiting for a CPU (kernel schedstat): high beside a high Go"
            + " latency means CPU starvation.");
    static final Metric THROTTLED_PERIODS = Metric.counter("gmpwatch_cgroup_cpu_throttled_periods_total",
            "CFS periods in which the process's cgroup hit its CPU quota (cgroup v1 and v2).");
    static final Metric THROTTLED_SECONDS = Metric.counter("gmpwatch_cgroup_cpu_throttled_seconds_total",
            "Time the process's cgroup was held back by its CPU quota.");
    static final List<Metric> DECLARED = List.of(CPU, CPU_WAIT, THROTTLED_PERIODS, THROTTLED_SECONDS);

    @Override
    public void collect(Scrape scrape, Families f) {
        for (ProcessSample s : scrape.samples()) {
            s.cpuSeconds().ifPresent(cpu -> f.add(CPU, s.labels(), cpu));
            s.counters().cpuWaitNanos().ifPresent(ns -> f.add(CPU_WAIT, s.labels(), ns / 1e9));
            s.throttling().ifPresent(t -> {
                f.add(THROTTLED_PERIODS, s.labels(), t.throttledPeriods());
                f.add(THROTTLED_SECONDS, s.labels(), t.throttledNanos() / 1e9);
            });
        }
    }
}
