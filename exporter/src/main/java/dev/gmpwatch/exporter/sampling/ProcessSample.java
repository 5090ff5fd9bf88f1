package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.host.CgroupThrottling.Throttling;
import dev.gmpwatch.exporter.runtime.GoroutineCensus;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.runtime.SchedulerState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Everything served about one process at one scrape: plain values, no I/O, so rendering it is a
 * pure function (tested against golden files).
 *
 * @param status     "watching", or why its runtime state is not served (a SnapshotException kind)
 * @param reason     the one-line reason when status is not "watching"
 * @param scheduler  null when the read failed
 * @param counters   the monotonic counters served (created, exited, GC cycles, ticks, CPU wait)
 * @param walk       the last goroutine walk, empty before the first one
 * @param labels     which process it is, as every one of its series says
 * @param runQueues  what the run-queue sampler saw between scrapes; empty when it is off or has not sampled yet
 */
public record ProcessSample(long pid, String exe, String goVersion, String probeMode, String status, String reason,
                            SchedulerState scheduler, Counters counters, Optional<Walk> walk,
                            OptionalDouble cpuSeconds, Optional<Throttling> throttling,
                            ProcessLabels labels, Optional<RunQueueDepths> runQueues) {
    public static final String WATCHING = "watching";

    /** The same sample with what the run-queue sampler saw. */
    public ProcessSample withRunQueues(Optional<RunQueueDepths> depths) {
        return new ProcessSample(pid, exe, goVersion, probeMode, status, reason, scheduler, counters, walk, cpuSeconds,
                throttling, labels, depths);
    }

    /** Counters kept monotonic across torn reads, Ps that come and go, and threads that exit. */
    public record Counters(long created, long exited, long gcCycles, long schedTicks, long syscallTicks,
                           OptionalLong cpuWaitNanos) {
    }

    /**
     * @param ageSeconds      how long ago the walk ran (it is rate-limited; the counters are not)
     * @param durationSeconds how long it took
     * @param history         the stuck history's size after it
     */
    public record Walk(Map<String, Long> byState, Map<String, Long> waitingByReason, List<CreatorRow> creators,
                       boolean capped, double ageSeconds, double durationSeconds, GoroutineCensus.History history) {
    }

    /**
     * Live goroutines that run the same function.
     *
     * @param source            "file:line" of the function
     * @param goStatement       "file:line" of a `go` statement that started one of them
     * @param oldestWaitSeconds how long the longest-waiting one has waited, where the runtime recorded it; NaN otherwise
     * @param stuck             how many have not run for at least 1 m, 10 m and 1 h (the runtime's waitsince or the walks' history)
     * @param longestStuckSeconds how long the one that has not run for longest has not; NaN when none is known
     */
    public record CreatorRow(String function, String source, String goStatement, long count, Map<String, Long> byState,
                             Map<String, Long> byReason, double oldestWaitSeconds, List<Long> stuck,
                             double longestStuckSeconds) {
        public static final List<Long> NONE_STUCK = List.of(0L, 0L, 0L);
        /** The function of goroutines whose entry is unknown, and the creator label of everything past the top K. */
        public static final String OTHER = ProcessReader.OTHER;

        /** A row without stuck ages (a walk without history). */
        public CreatorRow(String function, String source, String goStatement, long count, Map<String, Long> byState,
                          Map<String, Long> byReason, double oldestWaitSeconds) {
            this(function, source, goStatement, count, byState, byReason, oldestWaitSeconds, NONE_STUCK, Double.NaN);
        }
    }
}
