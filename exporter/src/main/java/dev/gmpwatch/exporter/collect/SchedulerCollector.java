package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.runtime.ProcState;
import dev.gmpwatch.exporter.runtime.SchedulerState;
import dev.gmpwatch.exporter.runtime.TimeHistogram;
import dev.gmpwatch.exporter.sampling.ProcessSample;
import dev.gmpwatch.exporter.sampling.Scrape;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler-wide state of each served process, read at every scrape: goroutine counters, Ps,
 * threads, run queues and the runtime's own latency and pause histograms. Pure: it renders the
 * snapshot, so its exposition is tested against a golden file.
 */
final class SchedulerCollector implements MetricsCollector {
    /** Histogram edges: every second power of two from 2^10 ns (1.024 us) to 2^36 ns (68.7 s); all are runtime bucket edges, 2^20 ns (the SLO's 1.048576 ms) among them. */
    static final int FIRST_EDGE_LOG2 = 10;
    static final int LAST_EDGE_LOG2 = 36;
    static final int EDGE_STEP_LOG2 = 2;
    /** Per-P run-queue series only up to this GOMAXPROCS, to keep cardinality bounded. */
    static final int MAX_PROCS_DETAIL = 64;

    static final Metric LIVE = Metric.gauge("gmpwatch_goroutines_live",
            "Live goroutines as runtime.NumGoroutine() counts them, from the runtime's counters at this scrape.");
    static final Metric SYSTEM = Metric.gauge("gmpwatch_goroutines_system",
            "The runtime's own goroutines (GC workers, finalizers, ...), not in gmpwatch_goroutines_live.");
    static final Metric CREATED = Metric.counter("gmpwatch_goroutines_created_total",
            "Goroutines created since the process started (the runtime's goroutine ids handed out).");
    static final Metric EXITED = Metric.counter("gmpwatch_goroutines_exited_total", "Goroutines that ended since the process started.");
    static final Metric GC_CYCLES = Metric.counter("gmpwatch_gc_cycles_total", "Completed GC cycles (memstats.numgc).");
    static final Metric GOMAXPROCS = Metric.gauge("gmpwatch_gomaxprocs", "The process's GOMAXPROCS.");
    static final Metric PROCS_IDLE = Metric.gauge("gmpwatch_procs_idle", "Ps with no work (sched.npidle).");
    static final Metric THREADS = Metric.gauge("gmpwatch_threads", "OS threads (Ms) the runtime has alive.");
    static final Metric SPINNING = Metric.gauge("gmpwatch_threads_spinning", "Ms spinning, looking for work.");
    static final Metric GLOBAL_QUEUE = Metric.gauge("gmpwatch_global_run_queue_length", "Goroutines in the global run queue.");
    static final Metric LOCAL_QUEUES = Metric.gauge("gmpwatch_local_run_queue_length",
            "Goroutines in the Ps' local run queues (each holds 256), runnext included.");
    static final Metric P_QUEUE = Metric.gauge("gmpwatch_p_run_queue_length",
            "Goroutines in one P's local run queue (only while GOMAXPROCS <= " + MAX_PROCS_DETAIL + ").", "p");
    static final Metric SCHED_TICKS = Metric.counter("gmpwatch_sched_ticks_total",
            "Scheduling rounds: calls into the scheduler, summed over Ps (p.schedtick).");
    static final Metric SYSCALL_TICKS = Metric.counter("gmpwatch_syscall_ticks_total",
            "System calls that went through the scheduler, summed over Ps (p.syscalltick).");
    static final Metric SCHED_LATENCY = Metric.histogram("gmpwatch_sched_latency_seconds",
            "Time goroutines waited from runnable to running: the runtime's own histogram, which times about 1 transition in 8 (no _sum).");
    static final Metric STOP_THE_WORLD = Metric.histogram("gmpwatch_stop_the_world_seconds",
            "GC stop-the-world pauses: the runtime's own histogram (no _sum).");
    static final List<Metric> DECLARED = List.of(LIVE, SYSTEM, CREATED, EXITED, GC_CYCLES, GOMAXPROCS, PROCS_IDLE, THREADS,
            SPINNING, GLOBAL_QUEUE, LOCAL_QUEUES, P_QUEUE, SCHED_TICKS, SYSCALL_TICKS, SCHED_LATENCY, STOP_THE_WORLD);

    @Override
    public void collect(Scrape scrape, Families f) {
        for (ProcessSample s : scrape.samples()) {
            if (s.scheduler() != null) {
                render(s, s.scheduler(), s.labels(), f);
            }
        }
    }

    private static void render(ProcessSample s, SchedulerState st, ProcessLabels proc, Families f) {
        ProcessSample.Counters c = s.counters();
        f.add(LIVE, proc, st.goroutines());
        f.add(SYSTEM, proc, st.systemGoroutines());
        f.add(CREATED, proc, c.created());
        f.add(EXITED, proc, c.exited());
        f.add(GC_CYCLES, proc, c.gcCycles());
        f.add(GOMAXPROCS, proc, st.gomaxprocs());
        f.add(PROCS_IDLE, proc, st.idleProcs());
        f.add(THREADS, proc, st.threads());
        f.add(SPINNING, proc, st.spinningThreads());
        f.add(GLOBAL_QUEUE, proc, st.globalRunQueue());
        f.add(LOCAL_QUEUES, proc, st.localRunQueue());
        if (st.procs().size() <= MAX_PROCS_DETAIL) {
            f.declare(P_QUEUE);
            for (ProcState p : st.procs()) {
                f.add(P_QUEUE, proc, List.of(Integer.toString(p.id())), p.runQueue());
            }
        }
        f.add(SCHED_TICKS, proc, c.schedTicks());
        f.add(SYSCALL_TICKS, proc, c.syscallTicks());
        histogram(f, SCHED_LATENCY, proc, st.schedLatency());
        st.stopTheWorld().ifPresent(h -> histogram(f, STOP_THE_WORLD, proc, h));
    }

    /** Cumulative buckets at the chosen edges; no _sum: the runtime keeps none. */
    private static void histogram(Families f, Metric m, ProcessLabels proc, TimeHistogram h) {
        List<Sample> out = new ArrayList<>();
        for (int e = FIRST_EDGE_LOG2; e <= LAST_EDGE_LOG2; e += EDGE_STEP_LOG2) {
            out.add(bucket(m, proc, Double.toString((1L << e) / 1e9), h.countBelow(e)));
        }
        out.add(bucket(m, proc, "+Inf", h.count()));
        out.add(new Sample(m.name() + "_count", proc.names(), proc.values(), h.count()));
        f.addHistogram(m, out);
    }

    private static Sample bucket(Metric m, ProcessLabels proc, String le, long n) {
        ProcessLabels l = proc.plus("le", le);
        return new Sample(m.name() + "_bucket", l.names(), l.values(), n);
    }
}
