package dev.gmpwatch.exporter.runtime;

/**
 * What the goroutine walks of one process remember about each waiting goroutine, to tell how long
 * it has not run: its goid, a fingerprint of what changes whenever it runs, and the time of the
 * first walk that saw that fingerprint. A goroutine whose fingerprint is unchanged at the next
 * walk has not run in between (up to the bound in {@link #fingerprint}).
 *
 * <p>The memory is bounded: two open-addressing tables of primitive arrays (the last walk's and
 * this one's, 16 bytes a slot each, at most half full, so at most 64 bytes a goroutine) hold at
 * most {@code capacity} goroutines; the rest are not tracked and are counted. A goroutine the
 * walk did not see waiting (it ran, or ended) is not carried into the next table.
 */
public final class StuckHistory {
    private static final int MIN_SLOTS = 1024;
    /** goid, fingerprint and first-seen time, in each of the two tables. */
    private static final int BYTES_PER_SLOT = 2 * (8 + 4 + 4);
    /** First-seen times are kept in tenths of a second from the history's start: 6.8 years fit. */
    private static final long TICK_NANOS = 100_000_000L;

    private final int capacity;
    private final long base;
    /** The previous walk's goroutines, read during a walk. */
    private Table last = new Table(MIN_SLOTS);
    /** This walk's, written during it; the two swap at its end. */
    private Table next = new Table(MIN_SLOTS);
    private long now;
    private long untracked;

    /**
     * @param capacity the most goroutines tracked at once; more are counted in {@link #untracked()}
     * @param baseNanos a monotonic time at or before every walk's
     */
    public StuckHistory(int capacity, long baseNanos) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.base = baseNanos;
    }

    /**
     * The evidence that a goroutine has not run, folded into 32 bits: where it is parked (its
     * saved SP and PC), why (its wait reason), and its trackingSeq, which the runtime moves on on
     * every transition out of running. A goroutine that ran n times between two walks and parked
     * again at the same SP and PC for the same reason looks unchanged only when n is a multiple of
     * 256 (trackingSeq is a uint8), and to reach an age bucket it has to do so at every walk
     * until then.
     */
    public static int fingerprint(long sp, long pc, int reason, int trackingSeq) {
        long h = sp * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 29) ^ pc) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 31) ^ ((long) reason << 8 | trackingSeq)) * 0x94D049BB133111EBL;
        return (int) (h ^ (h >>> 32));
    }

    /** Starts a walk at {@code nowNanos} (the monotonic clock, as the runtime's nanotime). */
    public void beginWalk(long nowNanos) {
        now = Math.max(nowNanos, base);
        untracked = 0;
        next.clear();
    }

    /**
     * Records that this walk saw the goroutine waiting with this fingerprint; returns since when
     * (nanos) it has been seen unchanged, or -1 when it is not tracked (the table is full).
     */
    public long observe(long goid, int fingerprint) {
        if (next.size >= capacity) {
            untracked++;
            return -1;
        }
        int ticks = (int) Math.min(Integer.MAX_VALUE, (now - base) / TICK_NANOS);
        int at = last.find(goid);
        if (last.goids[at] == goid && last.prints[at] == fingerprint) {
            ticks = last.since[at];
        }
        if ((next.size + 1) * 2 > next.goids.length) {
            next = next.grown();
        }
        next.put(goid, fingerprint, ticks);
        return base + ticks * TICK_NANOS;
    }

    /** Ends a walk: goroutines it did not see waiting (they ran, or ended) are forgotten. */
    public void endWalk() {
        Table t = last;
        last = next;
        // The spare table shrinks after a burst, to twice what this walk needed.
        next = t.goids.length > Math.max(MIN_SLOTS, 4 * last.goids.length) ? new Table(Math.max(MIN_SLOTS, 2 * last.goids.length)) : t;
    }

    /**
     * Since when (nanos) the last walk has seen this goroutine unchanged, when it still has this
     * fingerprint; -1 otherwise. For a read after the walk, such as a stack read; callers that
     * run beside walks hold this history's monitor, as walks do.
     */
    public long sinceOf(long goid, int fingerprint) {
        int at = last.find(goid);
        return last.goids[at] == goid && last.prints[at] == fingerprint ? base + last.since[at] * TICK_NANOS : -1;
    }

    /** Goroutines tracked after the last walk. */
    public int size() {
        return last.size;
    }

    /** Waiting goroutines the last walk could not track because the table was full. */
    public long untracked() {
        return untracked;
    }

    /** Bytes the two tables hold. */
    public long bytes() {
        return (long) (last.goids.length + next.goids.length) * BYTES_PER_SLOT / 2;
    }

    /** An open-addressing table keyed by goid (goids start at 1, so 0 marks a free slot). */
    private static final class Table {
        final long[] goids;
        final int[] prints;
        final int[] since;
        int size;

        Table(int slots) {
            goids = new long[slots];
            prints = new int[slots];
            since = new int[slots];
        }

        int find(long goid) {
            int mask = goids.length - 1;
            long x = (goid ^ (goid >>> 33)) * 0xFF51AFD7ED558CCDL;
            int i = (int) (x ^ (x >>> 33)) & mask;
            while (goids[i] != 0 && goids[i] != goid) {
                i = (i + 1) & mask;
            }
            return i;
        }

        void put(long goid, int print, int ticks) {
            int i = find(goid);
            if (goids[i] == 0) {
                size++;
            }
            goids[i] = goid;
            prints[i] = print;
            since[i] = ticks;
        }

        Table grown() {
            Table t = new Table(goids.length * 2);
            for (int i = 0; i < goids.length; i++) {
                if (goids[i] != 0) {
                    t.put(goids[i], prints[i], since[i]);
                }
            }
            return t;
        }

        void clear() {
            if (size > 0) {
                java.util.Arrays.fill(goids, 0);
                size = 0;
            }
        }
    }
}
