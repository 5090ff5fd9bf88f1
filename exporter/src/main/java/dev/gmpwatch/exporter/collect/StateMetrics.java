package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.collect.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.collect.ProcessSample.Walk;
import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.runtime.ProcState;
import dev.gmpwatch.exporter.runtime.SchedulerState;
import dev.gmpwatch.exporter.runtime.TimeHistogram;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders process samples into the gmpwatch_* families of the default (runtime-state) mode. Pure:
 * no I/O and no clock, so the exposition is tested against golden files.
 */
final class StateMetrics {
    /** Histogram edges: every second power of two from 2^10 ns (1.024 us) to 2^36 ns (68.7 s); all are runtime bucket edges, 2^20 ns (the SLO's 1.048576 ms) among them. */
    static final int FIRST_EDGE_LOG2 = 10;
    static final int LAST_EDGE_LOG2 = 36;
    static final int EDGE_STEP_LOG2 = 2;
    /** Per-P run-queue series only up to this GOMAXPROCS, to keep cardinality bounded. */
    static final int MAX_PROCS_DETAIL = 64;
    static final List<String> STATES = List.of("runnable", "running", "syscall", "waiting", "copystack", "preempted");
    /** The age label of gmpwatch_goroutines_stuck, one per GoroutineCensus.STUCK_AGES_SECONDS. */
    static final List<String> STUCK_AGES = List.of("1m", "10m", "1h");
    /** The creator label of everything past the top K. */
    static final String OTHER = "other";

    private StateMetrics() {
    }

    static void render(List<ProcessSample> samples, int topK, Families f) {
        for (ProcessSample s : samples) {
            ProcessLabels proc = s.labels();
            info(f, proc, s.goVersion(), s.probeMode(), s.status());
            if (s.scheduler() != null) {
                scheduler(s, s.scheduler(), proc, f);
            }
            s.walk().ifPresent(w -> walk(w, proc, topK, f));
            s.cpuSeconds().ifPresent(cpu -> f.counter("gmpwatch_process_cpu_seconds",
                    "User and system CPU time of the process, from /proc/PID/stat.")
                    .add(sample("gmpwatch_process_cpu_seconds_total", proc, cpu)));
            s.counters().cpuWaitNanos().ifPresent(ns -> f.counter("gmpwatch_process_cpu_wait_seconds",
                    "Time the process's live threads spent runnable, waiting for a CPU (kernel schedstat).")
                    .add(sample("gmpwatch_process_cpu_wait_seconds_total", proc, ns / 1e9)));
            s.throttling().ifPresent(t -> {
                f.counter("gmpwatch_cgroup_cpu_throttled_periods", "CFS periods in which the process's cgroup hit its CPU quota.")
                        .add(sample("gmpwatch_cgroup_cpu_throttled_periods_total", proc, t.throttledPeriods()));
                f.counter("gmpwatch_cgroup_cpu_throttled_seconds", "Time the process's cgroup was held back by its CPU quota.")
                        .add(sample("gmpwatch_cgroup_cpu_throttled_seconds_total", proc, t.throttledNanos() / 1e9));
            });
        }
    }

    /** The one series per process that says what it is and whether its state is read. */
    static void info(Families f, ProcessLabels proc, String goVersion, String probeMode, String status) {
        ProcessLabels l = proc.plus(List.of("go_version", "probe_mode", "status"), List.of(goVersion, probeMode, status));
        f.info().add(new Sample("gmpwatch_target_info", l.names(), l.values(), 1));
    }

    static Sample sample(String name, ProcessLabels proc, double value) {
        return new Sample(name, proc.names(), proc.values(), value);
    }

    private static Sample sample(String name, ProcessLabels proc, String label, String labelValue, double value) {
        ProcessLabels l = proc.plus(label, labelValue);
        return new Sample(name, l.names(), l.values(), value);
    }

    private static void scheduler(ProcessSample s, SchedulerState st, ProcessLabels proc, Families f) {
        ProcessSample.Counters c = s.counters();
        f.gauge("gmpwatch_goroutines_live", "Live goroutines as runtime.NumGoroutine() counts them, from the runtime's counters at this scrape.")
                .add(sample("gmpwatch_goroutines_live", proc, st.goroutines()));
        f.gauge("gmpwatch_goroutines_system", "The runtime's own goroutines (GC workers, finalizers, ...), not in gmpwatch_goroutines_live.")
                .add(sample("gmpwatch_goroutines_system", proc, st.systemGoroutines()));
        f.counter("gmpwatch_goroutines_created", "Goroutines created since the process started (the runtime's goroutine ids handed out).")
                .add(sample("gmpwatch_goroutines_created_total", proc, c.created()));
        f.counter("gmpwatch_goroutines_exited", "Goroutines that ended since the process started.")
                .add(sample("gmpwatch_goroutines_exited_total", proc, c.exited()));
        f.counter("gmpwatch_gc_cycles", "Completed GC cycles (memstats.numgc).")
                .add(sample("gmpwatch_gc_cycles_total", proc, c.gcCycles()));
        f.gauge("gmpwatch_gomaxprocs", "The process's GOMAXPROCS.").add(sample("gmpwatch_gomaxprocs", proc, st.gomaxprocs()));
        f.gauge("gmpwatch_procs_idle", "Ps with no work (sched.npidle).").add(sample("gmpwatch_procs_idle", proc, st.idleProcs()));
        f.gauge("gmpwatch_threads", "OS threads (Ms) the runtime has alive.").add(sample("gmpwatch_threads", proc, st.threads()));
        f.gauge("gmpwatch_threads_spinning", "Ms spinning, looking for work.")
                .add(sample("gmpwatch_threads_spinning", proc, st.spinningThreads()));
        f.gauge("gmpwatch_global_run_queue_length", "Goroutines in the global run queue.")
                .add(sample("gmpwatch_global_run_queue_length", proc, st.globalRunQueue()));
        f.gauge("gmpwatch_local_run_queue_length", "Goroutines in the Ps' local run queues (each holds 256), runnext included.")
                .add(sample("gmpwatch_local_run_queue_length", proc, st.localRunQueue()));
        if (st.procs().size() <= MAX_PROCS_DETAIL) {
            List<Sample> perP = f.gauge("gmpwatch_p_run_queue_length",
                    "Goroutines in one P's local run queue (only while GOMAXPROCS <= " + MAX_PROCS_DETAIL + ").");
            for (ProcState p : st.procs()) {
                perP.add(sample("gmpwatch_p_run_queue_length", proc, "p", Integer.toString(p.id()), p.runQueue()));
            }
        }
        f.counter("gmpwatch_sched_ticks", "Scheduling rounds: calls into the scheduler, summed over Ps (p.schedtick).")
                .add(sample("gmpwatch_sched_ticks_total", proc, c.schedTicks()));
        f.counter("gmpwatch_syscall_ticks", "System calls that went through the scheduler, summed over Ps (p.syscalltick).")
                .add(sample("gmpwatch_syscall_ticks_total", proc, c.syscallTicks()));
        histogram(f, "gmpwatch_sched_latency_seconds",
                "Time goroutines waited from runnable to running: the runtime's own histogram, which times about 1 transition in 8.",
                proc, st.schedLatency());
        st.stopTheWorld().ifPresent(h -> histogram(f, "gmpwatch_stop_the_world_seconds",
                "GC stop-the-world pauses: the runtime's own histogram.", proc, h));
    }

    private static void walk(Walk w, ProcessLabels proc, int topK, Families f) {
        List<Sample> states = f.gauge("gmpwatch_goroutines", "Live goroutines by state, from the last walk of allgs.");
        Map<String, Long> byState = new TreeMap<>();
        STATES.forEach(st -> byState.put(st, 0L));
        byState.putAll(w.byState());
        byState.forEach((st, n) -> states.add(sample("gmpwatch_goroutines", proc, "state", st, n)));
        List<Sample> waiting = f.gauge("gmpwatch_goroutines_waiting", "Goroutines in waiting, by the runtime's wait reason, from the last walk.");
        new TreeMap<>(w.waitingByReason()).forEach((r, n) -> waiting.add(sample("gmpwatch_goroutines_waiting", proc, "reason", r, n)));
        List<Sample> creators = f.gauge("gmpwatch_goroutines_by_creator",
                "Live goroutines by the function they run (top K, the rest in creator=\"other\"), from the last walk.");
        List<Sample> stuck = f.gauge("gmpwatch_goroutines_stuck",
                "Waiting goroutines that have not run for at least `age` (1m, 10m, 1h), by the function they run (top K as"
                + " gmpwatch_goroutines_by_creator), from the runtime's waitsince or the walks' history.");
        long other = 0;
        long[] otherStuck = new long[STUCK_AGES.size()];
        int shown = 0;
        for (CreatorRow r : w.creators()) {
            if (shown < topK && !r.function().equals(OTHER)) {
                creators.add(sample("gmpwatch_goroutines_by_creator", proc, "creator", r.function(), r.count()));
                for (int i = 0; i < STUCK_AGES.size(); i++) {
                    stuck.add(stuckSample(proc, r.function(), STUCK_AGES.get(i), r.stuck().get(i)));
                }
                shown++;
            } else {
                other += r.count();
                for (int i = 0; i < STUCK_AGES.size(); i++) {
                    otherStuck[i] += r.stuck().get(i);
                }
            }
        }
        creators.add(sample("gmpwatch_goroutines_by_creator", proc, "creator", OTHER, other));
        for (int i = 0; i < STUCK_AGES.size(); i++) {
            stuck.add(stuckSample(proc, OTHER, STUCK_AGES.get(i), otherStuck[i]));
        }
        f.gauge("gmpwatch_goroutine_history_tracked", "Waiting goroutines whose stuck age the walks track (capped by --walk.history-max-goroutines).")
                .add(sample("gmpwatch_goroutine_history_tracked", proc, w.history().tracked()));
        f.gauge("gmpwatch_goroutine_history_untracked", "Waiting goroutines the last walk could not track: the history was full.")
                .add(sample("gmpwatch_goroutine_history_untracked", proc, w.history().untracked()));
        f.gauge("gmpwatch_goroutine_history_bytes", "Memory the stuck history of the process holds.")
                .add(sample("gmpwatch_goroutine_history_bytes", proc, w.history().bytes()));
        f.gauge("gmpwatch_goroutine_walk_age_seconds", "How old the goroutine walk behind gmpwatch_goroutines* is.")
                .add(sample("gmpwatch_goroutine_walk_age_seconds", proc, w.ageSeconds()));
        f.gauge("gmpwatch_goroutine_walk_duration_seconds", "How long the last goroutine walk took.")
                .add(sample("gmpwatch_goroutine_walk_duration_seconds", proc, w.durationSeconds()));
        f.gauge("gmpwatch_goroutine_walk_capped", "1 when the last walk stopped at --walk.max-goroutines before the end.")
                .add(sample("gmpwatch_goroutine_walk_capped", proc, w.capped() ? 1 : 0));
    }

    private static Sample stuckSample(ProcessLabels proc, String creator, String age, long n) {
        ProcessLabels l = proc.plus(List.of("creator", "age"), List.of(creator, age));
        return new Sample("gmpwatch_goroutines_stuck", l.names(), l.values(), n);
    }

    /** Cumulative buckets at the chosen edges; no _sum: the runtime keeps none. */
    static void histogram(Families f, String name, String help, ProcessLabels proc, TimeHistogram h) {
        List<Sample> out = f.histogram(name, help);
        for (int e = FIRST_EDGE_LOG2; e <= LAST_EDGE_LOG2; e += EDGE_STEP_LOG2) {
            out.add(sample(name + "_bucket", proc, "le", Double.toString((1L << e) / 1e9), h.countBelow(e)));
        }
        out.add(sample(name + "_bucket", proc, "le", "+Inf", h.count()));
        out.add(sample(name + "_count", proc, h.count()));
    }
}
