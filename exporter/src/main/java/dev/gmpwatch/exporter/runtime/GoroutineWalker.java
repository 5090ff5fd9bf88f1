package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * Walks allgs, reading a small window of every g, and counts live user goroutines by state, wait
 * reason and entry function. Memory is streamed: pointers are read 4096 at a time and gs 1024 at
 * a time (one process_vm_readv each), and only the counts are kept, so a walk of a million
 * goroutines holds a few hundred kilobytes.
 */
public final class GoroutineWalker {
    private static final int POINTER_BATCH = 4096;
    /** Distinct entry PCs kept per walk; the rest are counted under PC 0. */
    static final int MAX_CREATORS = 4096;
    private static final int SCAN_BIT = 0x1000; // _Gscan

    /** Go's goroutine status codes (runtime2.go); 11 is _Gdeadextra (Go 1.26+). */
    private static final String[] STATES = {
        "idle", "runnable", "running", "syscall", "waiting", "moribund", "dead", "enqueue",
        "copystack", "preempted", "leaked", "dead"};

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
        long t0 = System.nanoTime();
        long bytes0 = mem.bytesRead();
        // allglen before allgptr, as the runtime's forEachGRace does: the array holds at least that many.
        long allglen = mem.readLong(at.global("runtime.allglen"));
        long allgptr = mem.readLong(at.global("runtime.allgptr"));
        if (allglen < 0 || allglen > SchedulerReader.MAX_ALLGLEN) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: allglen " + allglen);
        }
        long n = Math.min(allglen, maxGoroutines);
        Window w = new Window(at);
        Tally tally = new Tally();
        VectoredReads vectored = new VectoredReads(pid, w.size);
        long[] addresses = new long[VectoredReads.BATCH];
        ByteBuffer ptrs = ByteBuffer.allocate(POINTER_BATCH * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i += POINTER_BATCH) {
            int batch = (int) Math.min(POINTER_BATCH, n - i);
            ptrs.clear().limit(batch * 8);
            mem.readInto(allgptr + i * 8, ptrs);
            for (int from = 0; from < batch; from += VectoredReads.BATCH) {
                int count = 0;
                for (int j = from; j < Math.min(batch, from + VectoredReads.BATCH); j++) {
                    long gp = ptrs.getLong(j * 8);
                    if (gp != 0) {
                        addresses[count++] = gp + w.lo;
                    }
                }
                if (count == 0) {
                    continue;
                }
                VectoredReads.Result r = vectored.read(addresses, count);
                if (r.count() < count) {
                    throw new SnapshotException(SnapshotException.Kind.UNREADABLE,
                            "cannot read the g at 0x" + Long.toHexString(addresses[r.count()] - w.lo) + " of pid " + pid);
                }
                for (int k = 0; k < count; k++) {
                    count(r.windows().slice(k * w.size, w.size).order(ByteOrder.LITTLE_ENDIAN), addresses[k] - w.lo, w, tally);
                }
            }
        }
        Map<Long, GoroutineCensus.CreatorCount> out = new HashMap<>();
        tally.creators.forEach((pc, b) -> out.put(pc, b.build()));
        return new GoroutineCensus(tally.byState, tally.byReason, out, n, allglen, allglen > n,
                mem.bytesRead() - bytes0 + vectored.bytesRead(), System.nanoTime() - t0);
    }

    /** Counts one g from its window; dead, idle and runtime goroutines are not counted. */
    private void count(ByteBuffer window, long gp, Window w, Tally tally) throws SnapshotException {
        int code = window.getInt(w.status) & ~SCAN_BIT;
        if (code < 0 || code >= STATES.length) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE,
                    "implausible runtime state: g at 0x" + Long.toHexString(gp) + " has status " + code);
        }
        String state = STATES[code];
        if (state.equals("dead") || state.equals("idle")) {
            return;
        }
        long entry = window.getLong(w.startpc);
        if (tally.system.computeIfAbsent(entry, isSystemEntry::test)) {
            return;
        }
        tally.byState.merge(state, 1L, Long::sum);
        String why = null;
        if (state.equals("waiting")) {
            int r = window.get(w.reason) & 0xff;
            if (r >= waitReasons.size()) {
                throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: g at 0x"
                        + Long.toHexString(gp) + " waits for reason " + r + ", the binary knows " + waitReasons.size());
            }
            why = waitReasons.get(r).isEmpty() ? "unknown" : waitReasons.get(r);
            tally.byReason.merge(why, 1L, Long::sum);
        }
        long key = tally.creators.size() < MAX_CREATORS || tally.creators.containsKey(entry) ? entry : 0;
        Builder b = tally.creators.get(key);
        if (b == null) {
            b = new Builder(key, w.gopc < 0 ? 0 : window.getLong(w.gopc));
            tally.creators.put(key, b);
        }
        b.add(state, why, w.waitsince < 0 ? 0 : window.getLong(w.waitsince));
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

        Window(RuntimeAddresses at) throws SnapshotException {
            int st = (int) at.offset("runtime.g.atomicstatus");
            int wr = (int) at.offset("runtime.g.waitreason");
            int sp = (int) at.offset("runtime.g.startpc");
            int gp = (int) at.optionalOffset("runtime.g.gopc").orElse(-1);
            int ws = (int) at.optionalOffset("runtime.g.waitsince").orElse(-1);
            int low = Math.min(Math.min(st, wr), sp);
            int high = Math.max(Math.max(st + 4, wr + 1), sp + 8);
            for (int optional : new int[] {gp, ws}) {
                if (optional >= 0) {
                    low = Math.min(low, optional);
                    high = Math.max(high, optional + 8);
                }
            }
            this.lo = low;
            this.size = high - low;
            this.status = st - low;
            this.reason = wr - low;
            this.startpc = sp - low;
            this.gopc = gp < 0 ? -1 : gp - low;
            this.waitsince = ws < 0 ? -1 : ws - low;
        }
    }

    /** The counts one walk accumulates. */
    private static final class Tally {
        final Map<String, Long> byState = new TreeMap<>();
        final Map<String, Long> byReason = new TreeMap<>();
        final Map<Long, Builder> creators = new HashMap<>();
        final Map<Long, Boolean> system = new HashMap<>();
    }

    private static final class Builder {
        final long startPc;
        final long goPc;
        long count;
        final Map<String, Long> byState = new TreeMap<>();
        final Map<String, Long> byReason = new TreeMap<>();
        long oldest;

        Builder(long startPc, long goPc) {
            this.startPc = startPc;
            this.goPc = goPc;
        }

        void add(String state, String reason, long waitSince) {
            count++;
            byState.merge(state, 1L, Long::sum);
            if (reason != null) {
                byReason.merge(reason, 1L, Long::sum);
                if (waitSince > 0 && (oldest == 0 || waitSince < oldest)) {
                    oldest = waitSince;
                }
            }
        }

        GoroutineCensus.CreatorCount build() {
            return new GoroutineCensus.CreatorCount(startPc, goPc, count, Map.copyOf(byState), Map.copyOf(byReason), oldest);
        }
    }
}
