package dev.gmpwatch.exporter.probe;

/**
 * What the per-event probes counted for one process, summed over CPUs: plain values, read once per
 * scrape.
 *
 * @param transitions      [from][to] goroutine state changes, indexed by the runtime's status codes
 * @param parks            parks by the runtime's wait-reason code (the last one also holds larger codes)
 * @param lifetimeBuckets  lifetimes of goroutines created since attach: bucket i holds [2^(i-1), 2^i) ns
 * @param lifetimeSumNanos their sum
 * @param runQueue         by {@code SchedulerAbi.RQ_*}: local run-queue overflows, steal attempts, steals that found nothing
 */
public record ProbeCounts(long[][] transitions, long[] parks, long[] lifetimeBuckets, long lifetimeSumNanos, long[] runQueue) {
    /** Probe hits: a transition per casgstatus call, and one per overflow and per steal attempt. */
    public long hits() {
        return sum(transitions) + overflows() + stealAttempts();
    }

    /** runqputslow calls: a local run queue was full and half of it went to the global queue. */
    public long overflows() {
        return runQueue[SchedulerAbi.RQ_OVERFLOW];
    }

    /** runqsteal calls. */
    public long stealAttempts() {
        return runQueue[SchedulerAbi.RQ_STEAL];
    }

    /** Steal attempts that found nothing to take. */
    public long stealFailures() {
        return runQueue[SchedulerAbi.RQ_STEAL_FAILED];
    }

    static long sum(long[][] transitions) {
        long n = 0;
        for (long[] row : transitions) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }
}
