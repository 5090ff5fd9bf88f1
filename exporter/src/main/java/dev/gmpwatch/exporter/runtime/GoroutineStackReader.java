package dev.gmpwatch.exporter.runtime;

import dev.gmpwatch.exporter.gobinary.StackSymbols;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongPredicate;

/**
 * Reads the stack of every live user goroutine, the set the runtime's goroutine profile holds.
 * The process keeps running: a goroutine that runs while its stack is read would give a stack
 * that never existed, so each g's saved registers are read again after its unwind and the unwind
 * is redone (once) when they moved.
 */
public final class GoroutineStackReader {
    /** Fewer gs per read than the census: each is unwound before the next read, and may move meanwhile. */
    private static final int GS_PER_BATCH = 256;

    /** Caps for one request. */
    public record Limits(long maxGoroutines, int maxFrames) {
        /** Goroutines whose stacks one request reads, unless it asks otherwise. */
        public static final long DEFAULT_MAX_GOROUTINES = 100_000;
        public static final int DEFAULT_MAX_FRAMES = 128;
        /** No request unwinds deeper: a real Go stack this deep is a runaway recursion. */
        public static final int MAX_FRAMES = 10_000;

        /** Limits as asked, with the frame count clamped to {@link #MAX_FRAMES}. */
        public static Limits of(long maxGoroutines, long maxFrames) {
            return new Limits(maxGoroutines, (int) Math.min(maxFrames, MAX_FRAMES));
        }
    }

    /** What one read cost and covered. */
    public record Stats(long goroutines, long allglen, boolean capped, long bytesRead, long nanos) {
    }

    private final RuntimeAddresses at;
    private final long pid;
    private final List<String> waitReasons;
    private final LongPredicate isSystemEntry;
    private final StackSymbols symbols;
    private final int goMinor;

    GoroutineStackReader(RuntimeAddresses at, long pid, List<String> waitReasons, LongPredicate isSystemEntry,
            StackSymbols symbols) {
        this(at, pid, waitReasons, isSystemEntry, symbols, 0);
    }

    /** @param goMinor the binary's Go 1.x minor version, for the layout of its pprof labels (0: no labels) */
    GoroutineStackReader(RuntimeAddresses at, long pid, List<String> waitReasons, LongPredicate isSystemEntry,
            StackSymbols symbols, int goMinor) {
        this.goMinor = goMinor;
        this.at = at;
        this.pid = pid;
        this.waitReasons = waitReasons;
        this.isSystemEntry = isSystemEntry;
        this.symbols = symbols;
    }

    public Stats read(RemoteMemory mem, Limits limits, Consumer<GoroutineStack> out) throws SnapshotException {
        return read(mem, limits, null, out);
    }

    /**
     * As {@link #read(RemoteMemory, Limits, Consumer)}; with a stuck history, a waiting goroutine
     * the walks have seen unchanged gets that time as its wait's start when it is earlier than
     * the runtime's own waitsince (or the runtime has none).
     */
    public Stats read(RemoteMemory mem, Limits limits, StuckHistory history, Consumer<GoroutineStack> out)
            throws SnapshotException {
        long t0 = System.nanoTime();
        Window w = new Window(at);
        StackUnwinder unwinder = new StackUnwinder(symbols, at.loadBias(), limits.maxFrames(), symbols.machine());
        ProfLabels labels = w.labels >= 0 && goMinor > 0 ? new ProfLabels(mem, goMinor) : null;
        long[] served = {0};
        boolean[] capped = {false};
        AllGs.Walked walked = AllGs.forEach(mem, at, pid, w.lo, w.size, Long.MAX_VALUE, GS_PER_BATCH, (windows, offset, gp) -> {
            G g = w.parse(windows, offset);
            if (!isUserGoroutine(g)) {
                return true;
            }
            if (served[0] >= limits.maxGoroutines()) {
                capped[0] = true;
                return false;
            }
            GoroutineStack stack = unwindStable(mem, gp + w.lo, g, w, unwinder);
            if (labels != null && g.labels != 0) {
                stack = stack.withLabels(labels.at(g.labels));
            }
            out.accept(history == null ? stack : aged(stack, g, history));
            served[0]++;
            return true;
        });
        // The unwinds read the stacks through mem during the walk: its byte count holds them.
        return new Stats(served[0], walked.allglen(), capped[0], walked.bytesRead(), System.nanoTime() - t0);
    }

    private boolean isUserGoroutine(G g) throws SnapshotException {
        int code = g.status & ~GoStatus.SCAN_BIT;
        if (code < 0 || code >= GoStatus.COUNT) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: a g has status " + code);
        }
        return code != GoStatus.IDLE && code != GoStatus.DEAD && code != GoStatus.DEAD_EXTRA && !isSystemEntry.test(g.startPc);
    }

    private static GoroutineStack aged(GoroutineStack s, G g, StuckHistory history) {
        if ((g.status & ~GoStatus.SCAN_BIT) != GoStatus.WAITING || g.goid == 0) {
            return s;
        }
        long since;
        synchronized (history) {
            since = history.sinceOf(g.goid, StuckHistory.fingerprint(g.sp, g.pc, g.reasonCode, g.trackingSeq));
        }
        // A goroutine first seen by the last walk has an age of less than a walk: not worth saying.
        if (since <= 0 || System.nanoTime() - since < 1_000_000_000L || (s.waitSince() > 0 && s.waitSince() <= since)) {
            return s;
        }
        return new GoroutineStack(s.state(), s.waitReason(), since, s.frames(), s.problem(), s.labels());
    }

    /** Unwinds a g, then checks that its saved registers did not move meanwhile; retries once. */
    private GoroutineStack unwindStable(RemoteMemory mem, long windowAddress, G g, Window w, StackUnwinder unwinder)
            throws SnapshotException {
        G current = g;
        for (int attempt = 0; attempt < 2; attempt++) {
            GoroutineStack stack = unwindOnce(mem, current, unwinder);
            G after = w.parse(mem.read(windowAddress, w.size), 0);
            if (after.sameRegisters(current)) {
                return stack;
            }
            current = after;
        }
        return new GoroutineStack(current.state(), current.reason(waitReasons), current.waitSince, List.of(),
                "the goroutine kept running while its stack was read");
    }

    private GoroutineStack unwindOnce(RemoteMemory mem, G g, StackUnwinder unwinder) {
        int code = g.status & ~GoStatus.SCAN_BIT;
        String state = g.state();
        String reason = g.reason(waitReasons);
        if (code == GoStatus.RUNNING) {
            return new GoroutineStack(state, reason, g.waitSince, List.of(), "running on a CPU: its registers are not in memory");
        }
        if (code == GoStatus.COPYSTACK) {
            return new GoroutineStack(state, reason, g.waitSince, List.of(), "its stack is being moved");
        }
        boolean inSyscall = g.syscallSp != 0;
        StackUnwinder.Result r = unwinder.unwind(mem, inSyscall ? g.syscallPc : g.pc, inSyscall ? g.syscallSp : g.sp,
                g.stackLo, g.stackHi);
        return new GoroutineStack(state, reason, g.waitSince, r.frames(), r.problem());
    }

    /** The fields of a g the unwind needs. */
    private record G(int status, int reasonCode, long waitSince, long startPc, long stackLo, long stackHi, long sp,
            long pc, long syscallSp, long syscallPc, long goid, int trackingSeq, long labels) {
        boolean sameRegisters(G o) {
            return status == o.status && sp == o.sp && pc == o.pc && syscallSp == o.syscallSp && syscallPc == o.syscallPc
                    && stackLo == o.stackLo && stackHi == o.stackHi;
        }

        String state() {
            return GoStatus.name(status & ~GoStatus.SCAN_BIT);
        }

        String reason(List<String> reasons) {
            if ((status & ~GoStatus.SCAN_BIT) != GoStatus.WAITING) {
                return "";
            }
            return reasonCode < reasons.size() && !reasons.get(reasonCode).isEmpty() ? reasons.get(reasonCode) : "unknown";
        }
    }

    /** The part of a g read per goroutine: [lo, lo + size). */
    private static final class Window {
        private static final String[] LONGS = {"runtime.g.startpc", "runtime.g.stack.lo", "runtime.g.stack.hi",
            "runtime.g.sched.sp", "runtime.g.sched.pc", "runtime.g.syscallsp", "runtime.g.syscallpc"};
        final int lo;
        final int size;
        private final int status;
        private final int reason;
        private final int waitsince;
        private final int goid;
        private final int trackingSeq;
        final int labels;
        private final int[] longs = new int[LONGS.length];

        Window(RuntimeAddresses at) throws SnapshotException {
            FieldSpan span = new FieldSpan();
            for (int i = 0; i < LONGS.length; i++) {
                longs[i] = span.add(at.offset(LONGS[i]), 8);
            }
            int st = span.add(at.offset("runtime.g.atomicstatus"), 4);
            int wr = span.add(at.offset("runtime.g.waitreason"), 1);
            int ws = span.add(at.optionalOffset("runtime.g.waitsince").orElse(-1), 8);
            int id = span.add(at.optionalOffset("runtime.g.goid").orElse(-1), 8);
            int lb = span.add(at.optionalOffset("runtime.g.labels").orElse(-1), 8);
            int ts = span.add(at.optionalOffset("runtime.g.trackingSeq").orElse(-1), 1);
            this.lo = span.lo();
            this.size = span.size();
            this.status = span.relative(st);
            this.reason = span.relative(wr);
            this.waitsince = span.relative(ws);
            this.goid = span.relative(id);
            this.trackingSeq = span.relative(ts);
            this.labels = span.relative(lb);
            for (int i = 0; i < longs.length; i++) {
                longs[i] = span.relative(longs[i]);
            }
        }

        G parse(ByteBuffer b, int base) {
            long[] v = new long[longs.length];
            for (int i = 0; i < longs.length; i++) {
                v[i] = b.getLong(base + longs[i]);
            }
            return new G(b.getInt(base + status), b.get(base + reason) & 0xff, waitsince < 0 ? 0 : b.getLong(base + waitsince),
                    v[0], v[1], v[2], v[3], v[4], v[5], v[6], goid < 0 ? 0 : b.getLong(base + goid),
                    trackingSeq < 0 ? 0 : b.get(base + trackingSeq) & 0xff, labels < 0 ? 0 : b.getLong(base + labels));
        }
    }
}
