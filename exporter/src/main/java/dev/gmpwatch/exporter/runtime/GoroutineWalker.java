package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * Walks allgs ({@link AllGs}), reading a small window of every g, and counts live user goroutines
 * by state, wait reason and entry function. Only the counts are kept.
 */
public final class GoroutineWalker {
    /** Distinct entry PCs kept per walk; the rest are counted under PC 0. */
    static final int MAX_CREATORS = 4096;

    private final RuntimeAddresses at;
    private final long pid;
    private final List<String> waitReasons;
    private final LongPredicate isSystemEntry;

    /**
     * @param waitReasons   the binary's wait-reason texts, by code
     * @param isSystemEntry whether a run-time entry PC is a runtime goroutine's (not counted, as NumGoroutine)
     */
    public GoroutineWalker(RuntimeAddresses at, long pid, List<String> waitReasons, LongPredicate isSystemEntry) {
        this.at = at;
        this.pid = pid;
        this.waitReasons = waitReasons;
        this.isSystemEntry = isSystemEntry;
    }

    public GoroutineCensus walk(RemoteMemory mem, long maxGoroutines) throws SnapshotException {
        return walk(mem, maxGoroutines, null, System.nanoTime());
    }

    /**
     * A walk that also tells how long each waiting goroutine has not run, from {@code history}
     * (null: no history) and the runtime's waitsince, with {@code nowNanos} as this walk's time.
     */
    public GoroutineCensus walk(RemoteMemory mem, long maxGoroutines, StuckHistory history, long nowNanos)
            throws SnapshotException {
        long t0 = System.nanoTime();
        Window w = new Window(at, history != null);
        Tally tally = new Tally(history, nowNanos);
        if (history != null) {
            history.beginWalk(nowNanos);
        }
        AllGs.Walked walked = AllGs.forEach(mem, at, pid, w.lo, w.size, maxGoroutines, VectoredReads.BATCH,
                (windows, offset, gp) -> {
                    count(windows, offset, gp, w, tally);
                    return true;
                });
        if (history != null) {
            history.endWalk();
        }
        Map<Long, GoroutineCensus.CreatorCount> out = new HashMap<>();
        tally.creators.forEach((pc, b) -> out.put(pc, b.build(waitReasons)));
        GoroutineCensus.History h = history == null ? GoroutineCensus.History.NONE
                : new GoroutineCensus.History(history.size(), history.untracked(), history.bytes());
        return new GoroutineCensus(byName(tally.byState, null), byName(tally.byReason, waitReasons), out, walked.entries(),
                walked.allglen(), walked.allglen() > walked.entries(), walked.bytesRead(), System.nanoTime() - t0, h);
    }

    /**
     * Counts one g from its window at {@code at} in a batch; dead, idle and runtime goroutines are
     * not counted. The hot loop of the walk: counts go to arrays indexed by the runtime's codes.
     */
    private void count(ByteBuffer batch, int at, long gp, Window w, Tally tally) throws SnapshotException {
        int code = batch.getInt(at + w.status) & ~GoStatus.SCAN_BIT;
        if (code < 0 || code >= GoStatus.COUNT) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE,
                    "implausible runtime state: g at 0x" + Long.toHexString(gp) + " has status " + code);
        }
        if (code == GoStatus.IDLE || code == GoStatus.DEAD || code == GoStatus.DEAD_EXTRA) {
            return;
        }
        long entry = batch.getLong(at + w.startpc);
        Builder b = tally.creator(entry);
        if (b == null) {
            if (isSystemEntry.test(entry)) {
                tally.system(entry);
                return;
            }
            long key = tally.creators.size() < MAX_CREATORS ? entry : 0;
            b = tally.creators.computeIfAbsent(key, k -> new Builder(k, w.gopc < 0 ? 0 : batch.getLong(at + w.gopc),
                    waitReasons.size()));
            tally.remember(entry, b);
        } else if (b == Tally.SYSTEM) {
            return;
        }
        tally.byState[code]++;
        int reason = -1;
        if (code == GoStatus.WAITING) {
            reason = batch.get(at + w.reason) & 0xff;
            if (reason >= waitReasons.size()) {
                throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: g at 0x"
                        + Long.toHexString(gp) + " waits for reason " + reason + ", the binary knows " + waitReasons.size());
            }
            tally.byReason[reason]++;
        }
        long waitSince = w.waitsince < 0 ? 0 : batch.getLong(at + w.waitsince);
        b.add(code, reason, waitSince);
        if (reason >= 0 && tally.history != null) {
            int tracking = w.trackingSeq < 0 ? 0 : batch.get(at + w.trackingSeq) & 0xff;
            long since = tally.history.observe(batch.getLong(at + w.goid),
                    StuckHistory.fingerprint(batch.getLong(at + w.schedSp), batch.getLong(at + w.schedPc), reason, tracking));
            if (waitSince > 0 && waitSince <= tally.now && (since < 0 || waitSince < since)) {
                since = waitSince; // the runtime saw it waiting at a GC before our first walk did
            }
            if (since >= 0) {
                b.stuck(tally.now - since);
            }
        }
    }

    /** Non-zero counts by name: states by their label (reasons null), wait reasons by the binary's text. */
    private static Map<String, Long> byName(long[] counts, List<String> reasons) {
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                String name = reasons == null ? GoStatus.name(i) : reasons.get(i).isEmpty() ? "unknown" : reasons.get(i);
                out.merge(name, counts[i], Long::sum);
            }
        }
        return out;
    }

    /** The part of a g the walk reads: [lo, lo + size), and the fields' offsets within it (-1 when absent). */
    private static final class Window {
        final int lo;
        final int size;
        final int status;
        final int reason;
        final int startpc;
        final int gopc;
        final int waitsince;
        final int goid;
        final int schedSp;
        final int schedPc;
        final int trackingSeq;

        /** @param history whether to read what the stuck history needs (goid, saved SP and PC, trackingSeq) */
        Window(RuntimeAddresses at, boolean history) throws SnapshotException {
            FieldSpan span = new FieldSpan();
            int st = span.add(at.offset("runtime.g.atomicstatus"), 4);
            int wr = span.add(at.offset("runtime.g.waitreason"), 1);
            int sp = span.add(at.offset("runtime.g.startpc"), 8);
            int gp = span.add(at.optionalOffset("runtime.g.gopc").orElse(-1), 8);
            int ws = span.add(at.optionalOffset("runtime.g.waitsince").orElse(-1), 8);
            int id = span.add(history ? at.offset("runtime.g.goid") : -1, 8);
            int ssp = span.add(history ? at.offset("runtime.g.sched.sp") : -1, 8);
            int spc = span.add(history ? at.offset("runtime.g.sched.pc") : -1, 8);
            int ts = span.add(history ? at.optionalOffset("runtime.g.trackingSeq").orElse(-1) : -1, 1);
            this.lo = span.lo();
            this.size = span.size();
            this.status = span.relative(st);
            this.reason = span.relative(wr);
            this.startpc = span.relative(sp);
            this.gopc = span.relative(gp);
            this.waitsince = span.relative(ws);
            this.goid = span.relative(id);
            this.schedSp = span.relative(ssp);
            this.schedPc = span.relative(spc);
            this.trackingSeq = span.relative(ts);
        }
    }

    /** The counts one walk accumulates. */
    private static final class Tally {
        /** Marks an entry PC as a runtime goroutine's in the lookup cache. */
        static final Builder SYSTEM = new Builder(-1, 0, 0);

        final long[] byState = new long[GoStatus.COUNT];
        final long[] byReason = new long[256];
        final Map<Long, Builder> creators = new HashMap<>();
        final StuckHistory history;
        final long now;
        /** Entry PC -> its builder (or SYSTEM); the last one is kept aside, as gs of one creator cluster. */
        private final Map<Long, Builder> byEntry = new HashMap<>();
        private long lastEntry = -1;
        private Builder last;

        Tally(StuckHistory history, long now) {
            this.history = history;
            this.now = now;
        }

        Builder creator(long entry) {
            if (entry == lastEntry) {
                return last;
            }
            Builder b = byEntry.get(entry);
            if (b != null) {
                lastEntry = entry;
                last = b;
            }
            return b;
        }

        void remember(long entry, Builder b) {
            byEntry.put(entry, b);
            lastEntry = entry;
            last = b;
        }

        void system(long entry) {
            remember(entry, SYSTEM);
        }
    }

    private static final class Builder {
        final long startPc;
        final long goPc;
        long count;
        final long[] byState = new long[GoStatus.COUNT];
        final long[] byReason;
        long oldest;
        final long[] stuck = new long[GoroutineCensus.STUCK_AGES_SECONDS.length];
        long longestStuckNanos = -1;

        /** @param reasons how many wait reasons the binary knows (codes are checked before add) */
        Builder(long startPc, long goPc, int reasons) {
            this.startPc = startPc;
            this.goPc = goPc;
            this.byReason = new long[reasons];
        }

        void add(int state, int reason, long waitSince) {
            count++;
            byState[state]++;
            if (reason >= 0) {
                byReason[reason]++;
                if (waitSince > 0 && (oldest == 0 || waitSince < oldest)) {
                    oldest = waitSince;
                }
            }
        }

        /** One waiting goroutine that has not run for {@code nanos}. */
        void stuck(long nanos) {
            longestStuckNanos = Math.max(longestStuckNanos, nanos);
            for (int i = 0; i < stuck.length; i++) {
                if (nanos >= GoroutineCensus.STUCK_AGES_SECONDS[i] * 1_000_000_000L) {
                    stuck[i]++;
                }
            }
        }

        GoroutineCensus.CreatorCount build(List<String> reasons) {
            return new GoroutineCensus.CreatorCount(startPc, "", "", goPc, "", count, byName(byState, null), byName(byReason, reasons),
                    oldest, java.util.Arrays.stream(stuck).boxed().toList(), longestStuckNanos);
        }
    }
}
