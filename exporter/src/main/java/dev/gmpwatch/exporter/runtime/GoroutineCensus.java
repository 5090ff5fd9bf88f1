package dev.gmpwatch.exporter.runtime;

import java.util.List;
import java.util.Map;

/**
 * Live user goroutines counted by one walk of allgs. The walk is not a snapshot: during churn its
 * totals differ from {@link SchedulerState}'s counters, which are.
 *
 * @param byState         live goroutines by state label ("waiting", "runnable", ...)
 * @param waitingByReason goroutines in "waiting", by the runtime's wait-reason text
 * @param creators        per entry PC (run-time address), the goroutines it started, named by the reader
 * @param walked          gs read (live, dead and system)
 * @param total           allglen when the walk began
 * @param capped          true when the walk stopped at its cap before the end of allgs
 * @param nanos           how long the walk took
 */
public record GoroutineCensus(Map<String, Long> byState, Map<String, Long> waitingByReason,
                              Map<Long, CreatorCount> creators, long walked, long total, boolean capped,
                              long bytesRead, long nanos, History history) {
    /** The ages gmpwatch_goroutines_stuck counts goroutines at: 1 m, 10 m and 1 h without running. */
    public static final long[] STUCK_AGES_SECONDS = {60, 600, 3600};

    /**
     * The stuck history after this walk.
     *
     * @param tracked   waiting goroutines it remembers
     * @param untracked waiting goroutines it could not (its cap was reached)
     * @param bytes     the memory it holds
     */
    public record History(int tracked, long untracked, long bytes) {
        public static final History NONE = new History(0, 0, 0);
    }

    /**
     * Goroutines that share an entry PC.
     *
     * @param function          the function they run, compiler wrappers resolved ("other" when the entry is unknown)
     * @param source            "file:line" of that function, or ""
     * @param goStatement       "file:line" of the `go` statement behind goPc, or ""
     * @param goPc              the `go` statement of one of them (they may differ; one is enough to point at it)
     * @param oldestWaitSince   the runtime's waitsince of the longest-waiting one (nanotime), 0 when none recorded
     * @param stuck             waiting goroutines that have not run for at least each of {@link #STUCK_AGES_SECONDS}
     * @param longestStuckNanos how long the one that has not run for longest has not, -1 when none is known
     */
    public record CreatorCount(long startPc, String function, String source, long goPc, String goStatement, long count,
                               Map<String, Long> byState, Map<String, Long> byReason, long oldestWaitSince, List<Long> stuck,
                               long longestStuckNanos) {
        /** The same goroutines with their function and source lines named. */
        CreatorCount named(String function, String source, String goStatement) {
            return new CreatorCount(startPc, function, source, goPc, goStatement, count, byState, byReason, oldestWaitSince,
                    stuck, longestStuckNanos);
        }
    }

    /** The same census, each creator named by {@code naming}. */
    GoroutineCensus named(java.util.function.UnaryOperator<CreatorCount> naming) {
        Map<Long, CreatorCount> out = new java.util.HashMap<>();
        creators.forEach((pc, c) -> out.put(pc, naming.apply(c)));
        return new GoroutineCensus(byState, waitingByReason, Map.copyOf(out), walked, total, capped, bytesRead, nanos, history);
    }

    public long live() {
        return byState.values().stream().mapToLong(Long::longValue).sum();
    }
}
