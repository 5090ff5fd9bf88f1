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
 * reason and entry function. Memory is streamed: pointers and gs are read in fixed-size batches,
 * and only the counts are kept, so a walk of a million goroutines holds a few kilobytes.
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
    private final List<String> waitReasons;
    private final LongPredicate isSystemEntry;

    /**
     * @param waitReasons   the binary's wait-reason texts, by code
     * @param isSystemEntry whether a run-time entry PC is a runtime goroutine's (not counted, as NumGoroutine)
     */
    public GoroutineWalker(RuntimeAddresses at, List<String> waitReasons, LongPredicate isSystemEntry) {
        this.at = at;
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
        int status = (int) at.offset("runtime.g.atomicstatus");
        int reason = (int) at.offset("runtime.g.waitreason");
        int startpc = (int) at.offset("runtime.g.startpc");
        int gopc = (int) at.optionalOffset("runtime.g.gopc").orElse(-1);
        int waitsince = (int) at.optionalOffset("runtime.g.waitsince").orElse(-1);
        int lo = Math.min(Math.min(status, reason), Math.min(startpc, gopc < 0 ? startpc : gopc));
        if (waitsince >= 0) {
            lo = Math.min(lo, waitsince);
        }
        int hi = Math.max(Math.max(status + 4, reason + 1), Math.max(startpc + 8, Math.max(gopc + 8, waitsince + 8)));
        ByteBuffer window = ByteBuffer.allocateDirect(hi - lo).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer ptrs = ByteBuffer.allocate(POINTER_BATCH * 8).order(ByteOrder.LITTLE_ENDIAN);

        Map<String, Long> byState = new TreeMap<>();
        Map<String, Long> byReason = new TreeMap<>();
        Map<Long, Builder> creators = new HashMap<>();
        Map<Long, Boolean> system = new HashMap<>();
        for (long i = 0; i < n; i += POINTER_BATCH) {
            int batch = (int) Math.min(POINTER_BATCH, n - i);
            ptrs.clear().limit(batch * 8);
            mem.readInto(allgptr + i * 8, ptrs);
            for (int j = 0; j < batch; j++) {
                long gp = ptrs.getLong(j * 8);
                if (gp == 0) {
                    continue;
                }
                window.clear();
                mem.readInto(gp + lo, window);
                int code = window.getInt(status - lo) & ~SCAN_BIT;
                if (code < 0 || code >= STATES.length) {
                    throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE,
                            "implausible runtime state: g at 0x" + Long.toHexString(gp) + " has status " + code);
                }
                String state = STATES[code];
                if (state.equals("dead") || state.equals("idle")) {
                    continue;
                }
                long entry = window.getLong(startpc - lo);
                if (system.computeIfAbsent(entry, isSystemEntry::test)) {
                    continue;
                }
                byState.merge(state, 1L, Long::sum);
                String why = null;
                if (state.equals("waiting")) {
                    int r = window.get(reason - lo) & 0xff;
                    if (r >= waitReasons.size()) {
                        throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: g at 0x"
                                + Long.toHexString(gp) + " waits for reason " + r + ", the binary knows " + waitReasons.size());
                    }
                    why = waitReasons.get(r).isEmpty() ? "unknown" : waitReasons.get(r);
                    byReason.merge(why, 1L, Long::sum);
                }
                long key = creators.size() < MAX_CREATORS || creators.containsKey(entry) ? entry : 0;
                Builder b = creators.get(key);
                if (b == null) {
                    b = new Builder(key, gopc < 0 ? 0 : window.getLong(gopc - lo));
                    creators.put(key, b);
                }
                b.add(state, why, waitsince < 0 ? 0 : window.getLong(waitsince - lo));
            }
        }
        Map<Long, GoroutineCensus.CreatorCount> out = new HashMap<>();
        creators.forEach((pc, b) -> out.put(pc, b.build()));
        return new GoroutineCensus(byState, byReason, out, n, allglen, allglen > n, mem.bytesRead() - bytes0,
                System.nanoTime() - t0);
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
