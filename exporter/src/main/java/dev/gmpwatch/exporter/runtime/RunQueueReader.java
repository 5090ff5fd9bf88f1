package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;

/**
 * The run-queue numbers of one process, read many times a second for the run-queue sampler: the
 * global queue, idle Ps and spinning Ms from sched, and each P's queue ends and runnext, in one
 * process_vm_readv of only those words, into buffers allocated once. The Ps' addresses are kept
 * between reads: the same read takes allp's header, and when it moved (GOMAXPROCS changed) the
 * addresses are read again and so is the sample. Like every read here it can tear; each value is
 * clamped to what the runtime allows.
 */
public final class RunQueueReader {
    private static final int SCHED_SPAN = 0;
    private static final int ALLP_SPAN = 1;
    private static final int FIRST_P_SPAN = 2;
    private static final int ALLP_HEADER = 16;

    /** One sample's numbers; reused from read to read, so reading allocates nothing. */
    public static final class Sample {
        private int global;
        private int deepestLocal;
        private int fullLocals;
        private int queuedLocal;
        private int idleProcs;
        private int spinning;
        private int procs;

        /** Goroutines in the global run queue. */
        public int global() {
            return global;
        }

        /** The most goroutines in one P's local queue, runnext included. */
        public int deepestLocal() {
            return deepestLocal;
        }

        /** Ps whose local queue was full ({@link ProcState#LOCAL_QUEUE_CAPACITY}). */
        public int fullLocals() {
            return fullLocals;
        }

        /** Goroutines in every local queue, runnext included. */
        public int queuedLocal() {
            return queuedLocal;
        }

        public int idleProcs() {
            return idleProcs;
        }

        public int spinning() {
            return spinning;
        }

        /** len(allp): the Ps GOMAXPROCS allows. */
        public int procs() {
            return procs;
        }
    }

    private final long pid;
    private final RemoteMemory memory;
    private final long allpAddress;
    private final long schedStart;
    private final int runqsize;
    private final int npidle;
    private final int nmspinning;
    private final int queueStart;
    private final int head;
    private final int tail;
    private final int runnext;
    private ScatterRead plan;
    private long planAllp;
    private long planProcs;

    RunQueueReader(RuntimeAddresses at, long pid, RemoteMemory memory) throws SnapshotException {
        this.pid = pid;
        this.memory = memory;
        this.allpAddress = at.global("runtime.allp");
        long q = at.offset("runtime.schedt.runqsize");
        long idle = at.offset("runtime.schedt.npidle");
        long spin = at.offset("runtime.schedt.nmspinning");
        long first = Math.min(q, Math.min(idle, spin));
        this.schedStart = at.global("runtime.sched") + first;
        this.runqsize = (int) (q - first);
        this.npidle = (int) (idle - first);
        this.nmspinning = (int) (spin - first);
        long h = at.offset("runtime.p.runqhead");
        long t = at.offset("runtime.p.runqtail");
        this.queueStart = (int) Math.min(h, t);
        this.head = (int) (h - queueStart);
        this.tail = (int) (t - queueStart);
        this.runnext = (int) at.offset("runtime.p.runnext");
    }

    /** Fills {@code out} with the numbers as they are now. */
    public void read(Sample out) throws SnapshotException {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (plan == null) {
                plan = plan();
            }
            if (!plan.read()) {
                plan = null; // a P or sched unreadable: read the addresses again
                continue;
            }
            ByteBuffer d = plan.data();
            int allp = plan.offset(ALLP_SPAN);
            if (d.getLong(allp) != planAllp || d.getLong(allp + 8) != planProcs) {
                plan = null; // GOMAXPROCS changed since the Ps' addresses were read
                continue;
            }
            decode(d, out);
            return;
        }
        throw new SnapshotException(SnapshotException.Kind.UNREADABLE, "the run queues of pid " + pid + " kept moving or could not be read");
    }

    private void decode(ByteBuffer d, Sample out) {
        int s = plan.offset(SCHED_SPAN);
        out.global = clamp(d.getInt(s + runqsize), Integer.MAX_VALUE);
        out.idleProcs = clamp(d.getInt(s + npidle), (int) planProcs);
        out.spinning = clamp(d.getInt(s + nmspinning), SchedulerReader.MAX_PROCS);
        out.procs = (int) planProcs;
        int deepest = 0;
        int full = 0;
        int queued = 0;
        for (int i = 0; i < planProcs; i++) {
            int q = plan.offset(FIRST_P_SPAN + 2 * i);
            // A steal moves head between our two loads: a length past capacity is such a tear.
            long length = (Integer.toUnsignedLong(d.getInt(q + tail)) - Integer.toUnsignedLong(d.getInt(q + head))) & 0xffffffffL;
            int local = length > ProcState.LOCAL_QUEUE_CAPACITY ? 0 : (int) length;
            if (local == ProcState.LOCAL_QUEUE_CAPACITY) {
                full++;
            }
            if (d.getLong(plan.offset(FIRST_P_SPAN + 2 * i + 1)) != 0) {
                local++;
            }
            queued += local;
            deepest = Math.max(deepest, local);
        }
        out.deepestLocal = deepest;
        out.fullLocals = full;
        out.queuedLocal = queued;
    }

    private static int clamp(int v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    /** Reads allp and lays out the spans: sched's three words, allp's header, and two spans per P. */
    private ScatterRead plan() throws SnapshotException {
        ByteBuffer header = memory.read(allpAddress, ALLP_HEADER);
        long ptr = header.getLong(0);
        long len = header.getLong(8);
        if (len < 0 || len > SchedulerReader.MAX_PROCS || (len > 0 && ptr == 0)) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: allp len " + len);
        }
        long[] spans = new long[2 * (FIRST_P_SPAN + 2 * (int) len)];
        spans[0] = schedStart;
        spans[1] = Math.max(runqsize, Math.max(npidle, nmspinning)) + 4;
        spans[2] = allpAddress;
        spans[3] = ALLP_HEADER;
        ByteBuffer ptrs = len == 0 ? ByteBuffer.allocate(0) : memory.read(ptr, (int) len * 8);
        for (int i = 0; i < len; i++) {
            long pp = ptrs.getLong(i * 8);
            if (pp == 0) {
                throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: allp[" + i + "] is nil");
            }
            int at = 2 * (FIRST_P_SPAN + 2 * i);
            spans[at] = pp + queueStart;
            spans[at + 1] = Math.max(head, tail) + 4;
            spans[at + 2] = pp + runnext;
            spans[at + 3] = 8;
        }
        planAllp = ptr;
        planProcs = len;
        return new ScatterRead(pid, spans, memory);
    }

    /** Bytes one sample reads from the process. */
    public int bytesPerRead() throws SnapshotException {
        if (plan == null) {
            plan = plan();
        }
        return plan.size();
    }
}
