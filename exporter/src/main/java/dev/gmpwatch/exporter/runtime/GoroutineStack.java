package dev.gmpwatch.exporter.runtime;

import dev.gmpwatch.exporter.gobinary.StackSymbols.SourceFrame;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;

/**
 * One live goroutine's stack as read from outside.
 *
 * @param state      the status label ({@link GoStatus#name})
 * @param waitReason the wait reason's text, or "" when not waiting
 * @param waitSince  the runtime's nanotime when the wait began, 0 when not recorded
 * @param frames     physical frames, innermost first; empty when the stack could not be read
 * @param problem    why the frames stop short of the goroutine's entry, or null when they do not
 * @param labels     its pprof labels, sorted by key (empty when none)
 */
public record GoroutineStack(String state, String waitReason, long waitSince, List<Frame> frames, String problem,
                             SortedMap<String, String> labels) {
    /** A stack without pprof labels. */
    public GoroutineStack(String state, String waitReason, long waitSince, List<Frame> frames, String problem) {
        this(state, waitReason, waitSince, frames, problem, Collections.emptySortedMap());
    }

    /** The same stack with these pprof labels. */
    public GoroutineStack withLabels(SortedMap<String, String> l) {
        return new GoroutineStack(state, waitReason, waitSince, frames, problem, l);
    }

    /**
     * A physical frame: its run-time PC (return-address form, as the runtime records it), its
     * function and that function's run-time entry, the load bias, and its source frames, inlined ones first
     * (none for a compiler wrapper, which traces hide).
     */
    public record Frame(long pc, String function, long entry, long loadBias, List<SourceFrame> lines) {
        /** The run-time PC a source frame stands for, in return-address form as the runtime records it. */
        public long pcOf(SourceFrame line) {
            return line.pc() + loadBias + 1;
        }
    }
}
