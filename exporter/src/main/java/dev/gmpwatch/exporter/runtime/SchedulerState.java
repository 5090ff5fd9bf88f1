package dev.gmpwatch.exporter.runtime;

import java.util.List;
import java.util.Optional;

/**
 * The scheduler-wide numbers of one process, read from the runtime's own counters in a few reads.
 *
 * @param goroutines       live goroutines as runtime.NumGoroutine() counts them (no system goroutines)
 * @param systemGoroutines the runtime's own goroutines (sched.ngsys)
 * @param created          goroutines created since the process started, system ones included
 * @param threads          Ms alive (sched.mnext - sched.nmfreed)
 * @param procs            allp[:len(allp)], the Ps GOMAXPROCS currently allows
 * @param stopTheWorld     the GC pause histogram (memstats.gcPauseDist before Go 1.22, sched.stwTotalTimeGC after)
 * @param torn             every try read the counters while they moved: goroutines and created are approximate
 */
public record SchedulerState(long goroutines, long systemGoroutines, long created, long gcCycles, int gomaxprocs,
                             int idleProcs, int spinningThreads, long threads, long globalRunQueue,
                             List<ProcState> procs, TimeHistogram schedLatency, Optional<TimeHistogram> stopTheWorld,
                             boolean torn) {
    /** Goroutines that ended: every created one that is neither live nor a live system goroutine. */
    public long exited() {
        return Math.max(0, created - goroutines - systemGoroutines);
    }

    /** The same state with another live count (a torn read's replaced by the last exact one). */
    public SchedulerState withGoroutines(long n) {
        return new SchedulerState(n, systemGoroutines, created, gcCycles, gomaxprocs, idleProcs, spinningThreads, threads,
                globalRunQueue, procs, schedLatency, stopTheWorld, torn);
    }

    public long localRunQueue() {
        return procs.stream().mapToLong(ProcState::runQueue).sum();
    }
}
