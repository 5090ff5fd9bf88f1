package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the scheduler-wide state in one process_vm_readv (sched, memstats, allp and every P), no
 * per-goroutine work. Nothing is stopped, so a read can tear: when goidgen moved or a P was
 * refilling its id cache meanwhile, everything is read again; after a few tries (a goroutine storm
 * moves goidgen millions of times a second) the last read is used, its id caches clamped, and the
 * served counters' monotonic guard absorbs the small error. Structural values (lengths, pointers,
 * counts) are range-checked and fail the read when impossible.
 */
public final class SchedulerReader {
    /** runtime._MaxGomaxprocs is 1024 (Go 1.10+); leave room for allp's spare capacity. */
    static final int MAX_PROCS = 4096;
    /** Far beyond any real process; a larger allglen is corrupt memory, not a workload. */
    static final long MAX_ALLGLEN = 1L << 27;
    /** Each try takes tens of microseconds; a storm tears about one in four. */
    private static final int ATTEMPTS = 10;

    private static final int SCHED_SPAN = 0;
    private static final int GOMAXPROCS_SPAN = 1;
    private static final int ALLP_SPAN = 2;
    private static final int ALLGLEN_SPAN = 3;
    private static final int MEMSTATS_SPAN = 4;
    private static final int FIRST_P_SPAN = 5;

    private final RuntimeAddresses at;
    /** How much of sched, memstats and each P one read copies: up to the last field (or histogram) we use. */
    private final int schedSize;
    private final int memstatsSize;
    private final int pSize;
    /** The spans of the last read, kept while allp stays where it was; used by one reader thread at a time. */
    private ScatterRead plan;
    private RemoteMemory planMemory;
    private long planAllp;
    private long planLen;
    private long planCap;
    /** For each P span, its index in allp (Ps past len(allp) count only for goroutine ids). */
    private int[] planProcIndex;

    public SchedulerReader(RuntimeAddresses at) throws SnapshotException {
        this.at = at;
        long histograms = Math.max(at.offset("runtime.schedt.timeToRun"), at.optionalOffset("runtime.schedt.stwTotalTimeGC").orElse(0))
                + TimeHistogram.size(at.histogramBuckets());
        this.schedSize = (int) Math.max(histograms, maxOffset("runtime.schedt.") + 8);
        this.pSize = (int) maxOffset("runtime.p.") + 8;
        this.memstatsSize = (int) Math.max(at.offset("runtime.mstats.numgc") + 4,
                at.optionalOffset("runtime.mstats.gcPauseDist").orElse(0) + TimeHistogram.size(at.histogramBuckets()));
    }

    public synchronized SchedulerState read(RemoteMemory mem) throws SnapshotException {
        SnapshotException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                Optional<SchedulerState> s = readOnce(mem, attempt == ATTEMPTS);
                if (s.isPresent()) {
                    return s.get();
                }
            } catch (SnapshotException e) {
                if (e.kind() != SnapshotException.Kind.IMPLAUSIBLE) {
                    throw e;
                }
                last = e; // maybe torn: the next attempt reads everything again
            }
        }
        throw last;
    }

    /**
     * Empty when the read tore and another try is left. Goroutine ids moving meanwhile (goidgen, a P
     * refilling its id cache) only blurs "created", which the sampler keeps monotonic; free lists
     * read at two moments make the live count wrong, which is what "torn" reports.
     */
    private Optional<SchedulerState> readOnce(RemoteMemory mem, boolean lastTry) throws SnapshotException {
        ByteBuffer d = readSpans(mem);
        int buckets = at.histogramBuckets();
        long timeToRun = at.offset("runtime.schedt.timeToRun");
        OptionalLong stwGc = at.optionalOffset("runtime.schedt.stwTotalTimeGC");
        ByteBuffer sched = span(d, SCHED_SPAN, schedSize);

        long goidgen = sched.getLong((int) at.offset("runtime.schedt.goidgen"));
        long ngsys = i32(sched, "runtime.schedt.ngsys");
        long schedFree = freeCount(sched, "runtime.schedt.gFree.n", "runtime.schedt.gFree.stack.size",
                "runtime.schedt.gFree.noStack.size");
        int gomaxprocs = d.getInt(plan.offset(GOMAXPROCS_SPAN));
        if (gomaxprocs < 1 || gomaxprocs > MAX_PROCS) {
            throw implausible("allp len " + planLen + " cap " + planCap + ", gomaxprocs " + gomaxprocs);
        }
        List<ProcState> procs = new ArrayList<>();
        long pFree = 0;
        long unusedIds = 0;
        for (int k = 0; k < planProcIndex.length; k++) {
            ByteBuffer p = span(d, FIRST_P_SPAN + k, pSize);
            long cache = p.getLong((int) at.offset("runtime.p.goidcache"));
            long cacheEnd = p.getLong((int) at.offset("runtime.p.goidcacheend"));
            long unused = cacheEnd - cache;
            if (unused < 0 || unused > 16) { // _GoidCacheBatch: read in the middle of a refill
                unused = Math.max(0, Math.min(16, unused));
            }
            unusedIds += unused;
            if (planProcIndex[k] < planLen) { // Ps past len(allp) were destroyed: their free lists went to sched
                pFree += freeCount(p, "runtime.p.gFree.n", "runtime.p.gFree.size", null);
                procs.add(proc(p));
            }
        }
        long allglen = d.getLong(plan.offset(ALLGLEN_SPAN));
        if (allglen < 0 || allglen > MAX_ALLGLEN) {
            throw implausible("allglen " + allglen);
        }
        if (ngsys < 0 || ngsys > allglen || schedFree < 0 || pFree < 0) {
            throw implausible("allglen " + allglen + " free " + schedFree + "+" + pFree + " ngsys " + ngsys);
        }
        long live = allglen - schedFree - pFree - ngsys;
        long created = goidgen - unusedIds;
        // gs move between sched's and the Ps' free lists in batches of 32: read at two moments, a
        // batch can be counted twice (live below 0) or not at all.
        boolean torn = live < 0;
        if ((torn || created < live + ngsys) && !lastTry) {
            return Optional.empty();
        }
        live = Math.max(0, live);
        created = Math.max(created, live + ngsys); // never un-create a live goroutine

        ByteBuffer memstats = span(d, MEMSTATS_SPAN, memstatsSize);
        long numgc = Integer.toUnsignedLong(memstats.getInt((int) at.offset("runtime.mstats.numgc")));
        Optional<TimeHistogram> stw = Optional.empty();
        if (stwGc.isPresent()) {
            stw = Optional.of(TimeHistogram.decode(sched, (int) stwGc.getAsLong(), buckets));
        } else if (at.optionalOffset("runtime.mstats.gcPauseDist").isPresent()) {
            stw = Optional.of(TimeHistogram.decode(memstats, (int) at.offset("runtime.mstats.gcPauseDist"), buckets));
        }
        int idle = (int) i32(sched, "runtime.schedt.npidle");
        int spinning = (int) i32(sched, "runtime.schedt.nmspinning");
        long threads = i64(sched, "runtime.schedt.mnext") - i64(sched, "runtime.schedt.nmfreed");
        long runq = i32(sched, "runtime.schedt.runqsize");
        if (idle < 0 || idle > MAX_PROCS || spinning < 0 || threads < 0 || runq < 0) {
            throw implausible("npidle " + idle + " nmspinning " + spinning + " threads " + threads + " runq " + runq);
        }
        return Optional.of(new SchedulerState(live, ngsys, created, numgc, gomaxprocs, idle, spinning, threads, runq,
                List.copyOf(procs), TimeHistogram.decode(sched, (int) timeToRun, buckets), stw, torn));
    }

    /**
     * Every span of one read in one process_vm_readv: sched, gomaxprocs, allp's header, allglen,
     * memstats and each P. The Ps' addresses come from the last read of allp; when its header in
     * this read says allp moved (GOMAXPROCS changed), the addresses are read again and so is the rest.
     */
    private ByteBuffer readSpans(RemoteMemory mem) throws SnapshotException {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (plan == null || planMemory != mem) {
                plan = plan(mem);
                planMemory = mem;
            }
            if (!plan.read()) {
                plan = null;
                throw new SnapshotException(SnapshotException.Kind.UNREADABLE, "cannot read the scheduler state of pid " + mem.pid()
                        + ": a page of it is not mapped");
            }
            ByteBuffer d = plan.data();
            int allp = plan.offset(ALLP_SPAN);
            if (d.getLong(allp) == planAllp && d.getLong(allp + 8) == planLen && d.getLong(allp + 16) == planCap) {
                return d;
            }
            plan = null; // allp moved since its Ps' addresses were read
        }
        throw implausible("allp kept moving while it was read");
    }

    private ScatterRead plan(RemoteMemory mem) throws SnapshotException {
        long allpAddress = at.global("runtime.allp");
        ByteBuffer allp = mem.read(allpAddress, 24);
        long allpPtr = allp.getLong(0);
        long allpLen = allp.getLong(8);
        long allpCap = allp.getLong(16);
        if (allpLen < 0 || allpCap < allpLen || allpCap > MAX_PROCS) {
            throw implausible("allp len " + allpLen + " cap " + allpCap);
        }
        ByteBuffer ptrs = allpCap > 0 ? mem.read(allpPtr, (int) allpCap * 8) : ByteBuffer.allocate(0);
        List<Long> spans = new ArrayList<>(List.of(at.global("runtime.sched"), (long) schedSize, at.global("runtime.gomaxprocs"), 4L,
                allpAddress, 24L, at.global("runtime.allglen"), 8L, at.global("runtime.memstats"), (long) memstatsSize));
        List<Integer> index = new ArrayList<>();
        for (int i = 0; i < allpCap; i++) {
            long pp = ptrs.getLong(i * 8);
            if (pp != 0) {
                spans.add(pp);
                spans.add((long) pSize);
                index.add(i);
            }
        }
        planAllp = allpPtr;
        planLen = allpLen;
        planCap = allpCap;
        planProcIndex = index.stream().mapToInt(Integer::intValue).toArray();
        return new ScatterRead(mem.pid(), spans.stream().mapToLong(Long::longValue).toArray(), mem);
    }

    /** Span {@code i} of a read, as a little-endian buffer of its own (offsets from the struct's start). */
    private ByteBuffer span(ByteBuffer d, int i, int length) {
        return d.slice(plan.offset(i), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private ProcState proc(ByteBuffer p) throws SnapshotException {
        long head = Integer.toUnsignedLong(p.getInt((int) at.offset("runtime.p.runqhead")));
        long tail = Integer.toUnsignedLong(p.getInt((int) at.offset("runtime.p.runqtail")));
        long queued = (tail - head) & 0xffffffffL;
        if (queued > ProcState.LOCAL_QUEUE_CAPACITY) {
            queued = 0; // read between the two loads of a steal; the next scrape sees it settled
        }
        boolean next = p.getLong((int) at.offset("runtime.p.runnext")) != 0;
        return new ProcState(p.getInt((int) at.offset("runtime.p.id")), p.getInt((int) at.offset("runtime.p.status")),
                (int) queued + (next ? 1 : 0),
                Integer.toUnsignedLong(p.getInt((int) at.offset("runtime.p.schedtick"))),
                Integer.toUnsignedLong(p.getInt((int) at.offset("runtime.p.syscalltick"))));
    }

    /** A free-list length: the count field (Go 1.17-1.24) or the lists' sizes (Go 1.25+). */
    private long freeCount(ByteBuffer b, String count, String sizeA, String sizeB) throws SnapshotException {
        OptionalLong n = at.optionalOffset(count);
        if (n.isPresent()) {
            return b.getInt((int) n.getAsLong());
        }
        long total = b.getInt((int) at.offset(sizeA));
        if (sizeB != null) {
            total += b.getInt((int) at.offset(sizeB));
        }
        return total;
    }

    private long maxOffset(String prefix) throws SnapshotException {
        long max = -1;
        for (String f : dev.gmpwatch.exporter.gobinary.RuntimeLayout.FIELDS) {
            if (f.startsWith(prefix)) {
                max = Math.max(max, at.optionalOffset(f).orElse(-1));
            }
        }
        if (max < 0) {
            throw new SnapshotException(SnapshotException.Kind.UNSUPPORTED, "no offsets for " + prefix);
        }
        return max;
    }

    private long i32(ByteBuffer b, String field) throws SnapshotException {
        return b.getInt((int) at.offset(field));
    }

    private long i64(ByteBuffer b, String field) throws SnapshotException {
        return b.getLong((int) at.offset(field));
    }

    private static SnapshotException implausible(String what) {
        return new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: " + what);
    }
}
