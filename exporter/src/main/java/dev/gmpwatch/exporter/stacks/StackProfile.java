package dev.gmpwatch.exporter.stacks;

import dev.gmpwatch.exporter.runtime.GoroutineStack;
import dev.gmpwatch.exporter.runtime.GoroutineStack.Frame;
import dev.gmpwatch.exporter.runtime.GoroutineStackReader;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import dev.gmpwatch.exporter.runtime.StuckHistory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The goroutines of one process grouped by identical stacks, as the runtime's goroutine profile
 * groups them: one group per sequence of PCs, with its count, states and wait reasons. Only the
 * distinct stacks are kept, so a leak of a million identical goroutines costs one group.
 */
public final class StackProfile {
    /**
     * @param frames          physical frames, innermost first (the first goroutine's; all share the PCs)
     * @param problem         why these stacks stop short, or null when they reach the goroutines' entry
     * @param count           goroutines with this stack
     * @param states          count per state, waiting ones by wait reason ("chan receive")
     * @param oldestWaitSince the earliest recorded start of a wait (runtime nanotime), 0 when none
     * @param labels          the pprof labels its goroutines share (a group is one stack with one label set)
     */
    public record Group(List<Frame> frames, String problem, long count, Map<String, Long> states, long oldestWaitSince,
            SortedMap<String, String> labels) {
    }

    private final long pid;
    private final String exe;
    private final List<Group> groups;
    private final GoroutineStackReader.Stats stats;
    private final long readAtNanos;
    private final long readAtEpochNanos;

    private StackProfile(long pid, String exe, List<Group> groups, GoroutineStackReader.Stats stats, long readAtNanos,
            long readAtEpochNanos) {
        this.pid = pid;
        this.exe = exe;
        this.groups = groups;
        this.stats = stats;
        this.readAtNanos = readAtNanos;
        this.readAtEpochNanos = readAtEpochNanos;
    }

    /** Reads every live user goroutine's stack of the process behind {@code reader}. */
    public static StackProfile read(long pid, String exe, ProcessReader reader, GoroutineStackReader.Limits limits)
            throws SnapshotException {
        return read(pid, exe, reader, limits, null);
    }

    /** As {@link #read(long, String, ProcessReader, GoroutineStackReader.Limits)}, waits aged by the walks' stuck history. */
    public static StackProfile read(long pid, String exe, ProcessReader reader, GoroutineStackReader.Limits limits,
            StuckHistory history) throws SnapshotException {
        long epoch = System.currentTimeMillis() * 1_000_000L;
        long now = System.nanoTime(); // CLOCK_MONOTONIC, the clock of the runtime's nanotime
        Map<Key, Builder> byStack = new HashMap<>();
        GoroutineStackReader.Stats stats = reader.stacks(limits, history,
                g -> byStack.computeIfAbsent(new Key(g), k -> new Builder(g)).add(g));
        List<Group> groups = new ArrayList<>(byStack.size());
        byStack.values().forEach(b -> groups.add(b.build()));
        groups.sort(Comparator.comparingLong(Group::count).reversed().thenComparing(StackProfile::firstFunction));
        return new StackProfile(pid, exe, List.copyOf(groups), stats, now, epoch);
    }

    private static String firstFunction(Group g) {
        return g.frames().isEmpty() ? "" : g.frames().get(0).function();
    }

    public long pid() {
        return pid;
    }

    public String exe() {
        return exe;
    }

    public List<Group> groups() {
        return groups;
    }

    public GoroutineStackReader.Stats stats() {
        return stats;
    }

    /** When the read began: monotonic nanos, comparable with the runtime's wait starts. */
    public long readAtNanos() {
        return readAtNanos;
    }

    public long readAtEpochNanos() {
        return readAtEpochNanos;
    }

    public long total() {
        return groups.stream().mapToLong(Group::count).sum();
    }

    /** Goroutines whose stack could not be read to its entry. */
    public long incomplete() {
        return groups.stream().filter(g -> g.problem() != null).mapToLong(Group::count).sum();
    }

    /** Seconds since the group's oldest recorded wait began, or NaN. */
    public double longestWaitSeconds(Group g) {
        return g.oldestWaitSince() <= 0 || g.oldestWaitSince() > readAtNanos ? Double.NaN
                : (readAtNanos - g.oldestWaitSince()) / 1e9;
    }

    /** A group's identity, as the runtime's debug=1 profile groups: its PCs, why it stops short, and its labels. */
    private static final class Key {
        private final long[] pcs;
        private final String problem;
        private final SortedMap<String, String> labels;
        private final int hash;

        Key(GoroutineStack g) {
            this.pcs = g.frames().stream().mapToLong(Frame::pc).toArray();
            this.problem = g.problem();
            this.labels = g.labels();
            this.hash = (Arrays.hashCode(pcs) * 31 + (problem == null ? 0 : problem.hashCode())) * 31 + labels.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(pcs, k.pcs) && java.util.Objects.equals(problem, k.problem)
                    && labels.equals(k.labels);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final class Builder {
        private final GoroutineStack first;
        private final Map<String, Long> states = new TreeMap<>();
        private long count;
        private long oldest;

        Builder(GoroutineStack first) {
            this.first = first;
        }

        void add(GoroutineStack g) {
            count++;
            states.merge(g.waitReason().isEmpty() ? g.state() : g.waitReason(), 1L, Long::sum);
            if (g.waitSince() > 0 && (oldest == 0 || g.waitSince() < oldest)) {
                oldest = g.waitSince();
            }
        }

        Group build() {
            return new Group(first.frames(), first.problem(), count, Map.copyOf(states), oldest, first.labels());
        }
    }
}
