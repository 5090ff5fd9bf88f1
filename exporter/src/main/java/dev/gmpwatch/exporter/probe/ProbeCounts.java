package dev.gmpwatch.exporter.probe;

/**
 * What the per-event probes counted for one process, summed over CPUs: plain values, read once per
 * scrape.
 *
 * @param transitions      [from][to] goroutine state changes, indexed by the runtime's status codes
 * @param parks            parks by the runtime's wait-reason code (the last one also holds larger codes)
 * @param lifetimeBuckets  lifetimes of goroutines created since attach: bucket i holds [2^(i-1), 2^i) ns
 * @param lifetimeSumNanos their sum
 */
public record ProbeCounts(long[][] transitions, long[] parks, long[] lifetimeBuckets, long lifetimeSumNanos) {
    /** Probe hits: every casgstatus call records one transition. */
    public long hits() {
        return sum(transitions);
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
