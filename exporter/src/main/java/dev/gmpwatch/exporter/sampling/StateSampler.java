package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.host.CgroupThrottling;
import dev.gmpwatch.exporter.host.CpuWait;
import dev.gmpwatch.exporter.host.ProcStat;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoroutineCensus;
import dev.gmpwatch.exporter.runtime.ProcState;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.runtime.SchedulerState;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import dev.gmpwatch.exporter.runtime.StuckHistory;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.sampling.ProcessSample.Walk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Takes one {@link ProcessSample} per process and scrape: the scheduler-wide state every time, the
 * per-goroutine walk at most once per interval. Keeps, per process, what makes the served counters
 * monotonic. A failure in one process never touches another.
 */
public final class StateSampler {
    /**
     * @param maxGoroutines   a walk reads at most this many entries of allgs
     * @param minWalkInterval walks are at least this far apart, and at least 50 times their own
     *                        duration apart (so walking costs at most 2% of one CPU); zero walks
     *                        on every scrape, whatever it costs
     * @param historyMaxGoroutines waiting goroutines whose stuck age is tracked per process; 0: none
     */
    public record Limits(long maxGoroutines, Duration minWalkInterval, int historyMaxGoroutines) {
        /** Waiting goroutines the stuck history tracks per process by default (at most 64 bytes each). */
        public static final int DEFAULT_HISTORY = 100_000;

        public Limits(long maxGoroutines, Duration minWalkInterval) {
            this(maxGoroutines, minWalkInterval, DEFAULT_HISTORY);
        }
    }

    /**
     * What a scrape reads beyond the scheduler-wide state, by the collectors that are on.
     *
     * @param walk goroutine walks (rate-limited as the limits say)
     * @param host the kernel's numbers: CPU, CPU wait, cgroup throttling
     */
    public record Reads(boolean walk, boolean host) {
        public static final Reads ALL = new Reads(true, true);
    }

    private static final System.Logger LOG = System.getLogger("gmpwatch.collect");
    private static final int WALK_COST_FACTOR = 50;

    private final Procfs proc;
    private final Limits limits;
    private final SelfMetrics self;
    private final ProcStat procStat;
    private final CpuWait cpuWait;
    private final CgroupThrottling throttling;
    private final Map<Long, PerProcess> perProcess = new HashMap<>();

    public StateSampler(Procfs proc, Limits limits, SelfMetrics self) {
        this.proc = proc;
        this.limits = limits;
        this.self = self;
        this.procStat = new ProcStat(proc);
        this.cpuWait = new CpuWait(proc);
        this.throttling = new CgroupThrottling(proc);
    }

    /** What is kept between scrapes for one process. */
    private static final class PerProcess {
        final Target target;
        ProcessReader reader;
        SnapshotException unsupported;
        final Monotonic created = new Monotonic();
        final Monotonic exited = new Monotonic();
        final Monotonic gcCycles = new Monotonic();
        final Monotonic cpuWait = new Monotonic();
        final TickCounter schedTicks = new TickCounter();
        final TickCounter syscallTicks = new TickCounter();
        GoroutineCensus census;
        /** The live count of the last read that did not tear, served in place of a torn one. */
        long lastExactLive = -1;
        List<CreatorRow> rows = List.of();
        long walkedAt;
        /** The rows of the last walk of any kind (scrape or request), for "since the last walk"; guarded by this. */
        List<CreatorRow> lastRows;
        /** Ages waiting goroutines across walks; null when the history is off. Walks lock it. */
        StuckHistory history;
        /** Reasons already logged for this process: each is logged once, not once per scrape. */
        final Set<String> logged = new HashSet<>();

        PerProcess(Target target, int historyMax) {
            this.target = target;
            this.history = historyMax > 0 ? new StuckHistory(historyMax, System.nanoTime()) : null;
        }

        /** A walk, aging waiting goroutines when the history is on. */
        GoroutineCensus census(ProcessReader r, long maxGoroutines) throws SnapshotException {
            if (history == null) {
                return r.census(maxGoroutines);
            }
            synchronized (history) {
                return r.census(maxGoroutines, history, System.nanoTime());
            }
        }
    }

    public synchronized ProcessSample sample(Target t, ProcessLabels labels, Reads reads) {
        PerProcess p = state(t);
        SchedulerState s = null;
        String status = ProcessSample.WATCHING;
        String reason = "";
        try {
            ProcessReader r = reader(p);
            s = r.scheduler();
            if (!s.torn()) {
                p.lastExactLive = s.goroutines();
            } else {
                self.tornRead();
                if (p.lastExactLive >= 0) {
                    s = s.withGoroutines(p.lastExactLive);
                }
            }
            if (reads.walk()) {
                maybeWalk(p, r);
            } else {
                p.census = null; // a walk served later is never one from before the walks stopped
            }
        } catch (SnapshotException e) {
            p.census = null; // never serve a stale walk beside a failure
            status = e.kind().label();
            reason = e.getMessage();
            self.snapshotFailed(e.kind().label());
            // Once per kind of reason: the numbers in it change from read to read.
            if (p.logged.size() < 16 && p.logged.add(reason.replaceAll("0x[0-9a-f]+|\\d+", "N"))) {
                LOG.log(System.Logger.Level.WARNING, "cannot read the runtime state of pid " + t.pid() + " (" + t.exe() + "): " + reason);
            }
        }
        if (s != null) {
            p.created.update(s.created());
            p.exited.update(s.exited());
            p.gcCycles.update(s.gcCycles());
            for (ProcState ps : s.procs()) {
                p.schedTicks.update(ps.id(), ps.schedTicks());
                p.syscallTicks.update(ps.id(), ps.syscallTicks());
            }
        }
        OptionalLong wait = reads.host() ? cpuWait.waitNanos(t.pid()) : OptionalLong.empty();
        wait.ifPresent(p.cpuWait::update);
        ProcessSample.Counters counters = new ProcessSample.Counters(p.created.value(), p.exited.value(),
                p.gcCycles.value(), p.schedTicks.total(), p.syscallTicks.total(),
                wait.isPresent() ? OptionalLong.of(p.cpuWait.value()) : OptionalLong.empty());
        return new ProcessSample(t.pid(), t.exe(), t.binary().goVersion(), t.probeMode(), status, reason, s, counters,
                walk(p), reads.host() ? procStat.cpuSeconds(t.pid()) : OptionalDouble.empty(),
                reads.host() ? throttling.of(t.pid()) : Optional.empty(), labels);
    }

    /**
     * A fresh walk for the goroutine API and command, whatever the interval: on demand, still
     * capped. It runs outside the sampler's lock, so scrapes go on meanwhile.
     */
    public List<CreatorRow> walkNow(Target t) throws SnapshotException {
        return walkNowWithPrevious(t).now();
    }

    /** A fresh walk and the rows of the walk before it (null when there was none). */
    public record Walked(List<CreatorRow> now, List<CreatorRow> previous) {
    }

    /** As {@link #walkNow}, with the previous walk's rows, of a scrape or of a request. */
    public Walked walkNowWithPrevious(Target t) throws SnapshotException {
        PerProcess p;
        ProcessReader r;
        synchronized (this) {
            p = state(t);
            r = reader(p);
        }
        List<CreatorRow> rows = rows(p.census(r, limits.maxGoroutines()));
        List<CreatorRow> previous;
        synchronized (p) {
            previous = p.lastRows;
            p.lastRows = rows;
        }
        return new Walked(rows, previous);
    }

    /** The stuck history of a watched process, for a stack read to age waits with; null when off. */
    public synchronized StuckHistory history(Target t) {
        return state(t).history;
    }

    /** Work on a process's reader for an on-demand request (goroutine lists, stacks): outside the lock. */
    public <T> T onDemand(Target t, ReaderTask<T> task) throws SnapshotException {
        ProcessReader r;
        synchronized (this) {
            r = reader(state(t));
        }
        return task.run(r);
    }

    /** Something done with a process's reader. */
    public interface ReaderTask<T> {
        T run(ProcessReader reader) throws SnapshotException;
    }

    /** Forgets every process not in {@code alive}. */
    public synchronized void retain(Set<Long> alive) {
        perProcess.entrySet().removeIf(e -> {
            if (alive.contains(e.getKey())) {
                return false;
            }
            if (e.getValue().reader != null) {
                e.getValue().reader.close();
            }
            return true;
        });
    }

    private PerProcess state(Target t) {
        PerProcess p = perProcess.get(t.pid());
        if (p == null || p.target.binary() != t.binary()) {
            if (p != null && p.reader != null) {
                p.reader.close(); // the pid now runs another program
            }
            p = new PerProcess(t, limits.historyMaxGoroutines());
            perProcess.put(t.pid(), p);
        }
        return p;
    }

    private ProcessReader reader(PerProcess p) throws SnapshotException {
        if (p.unsupported != null) {
            throw p.unsupported;
        }
        if (p.reader == null) {
            try {
                p.reader = ProcessReader.open(proc, p.target.pid(), p.target.binary(), p.target.loadBias());
            } catch (SnapshotException e) {
                if (e.kind() == SnapshotException.Kind.UNSUPPORTED) {
                    p.unsupported = e; // a property of the binary: do not retry every scrape
                }
                throw e;
            }
        }
        return p.reader;
    }

    private void maybeWalk(PerProcess p, ProcessReader r) throws SnapshotException {
        long now = System.nanoTime();
        long min = limits.minWalkInterval().toNanos();
        long spacing = min == 0 || p.census == null ? min : Math.max(min, p.census.nanos() * WALK_COST_FACTOR);
        if (p.census != null && now - p.walkedAt < spacing) {
            self.walked("skipped");
            return;
        }
        GoroutineCensus c = p.census(r, limits.maxGoroutines());
        p.census = c;
        p.walkedAt = now;
        p.rows = rows(c);
        synchronized (p) {
            p.lastRows = p.rows;
        }
        self.walked(c.capped() ? "capped" : "complete");
        self.bytesRead(c.bytesRead());
    }

    private Optional<Walk> walk(PerProcess p) {
        if (p.census == null) {
            return Optional.empty();
        }
        GoroutineCensus c = p.census;
        return Optional.of(new Walk(c.byState(), c.waitingByReason(), p.rows, c.capped(),
                (System.nanoTime() - p.walkedAt) / 1e9, c.nanos() / 1e9, c.history()));
    }

    /** Census entries by function, largest first: several entry PCs may resolve to one function. */
    static List<CreatorRow> rows(GoroutineCensus c) {
        long now = System.nanoTime(); // CLOCK_MONOTONIC, as the runtime's nanotime
        Map<String, CreatorRow> byFunction = new LinkedHashMap<>();
        for (GoroutineCensus.CreatorCount cc : c.creators().values()) {
            double oldest = cc.oldestWaitSince() > 0 && cc.oldestWaitSince() <= now ? (now - cc.oldestWaitSince()) / 1e9 : Double.NaN;
            CreatorRow row = new CreatorRow(cc.function(), cc.source(), cc.goStatement(), cc.count(), cc.byState(), cc.byReason(),
                    oldest, cc.stuck(), cc.longestStuckNanos() < 0 ? Double.NaN : cc.longestStuckNanos() / 1e9);
            byFunction.merge(cc.function(), row, StateSampler::merge);
        }
        List<CreatorRow> out = new ArrayList<>(byFunction.values());
        out.sort((a, b) -> a.count() != b.count() ? Long.compare(b.count(), a.count()) : a.function().compareTo(b.function()));
        return List.copyOf(out);
    }

    private static CreatorRow merge(CreatorRow a, CreatorRow b) {
        Map<String, Long> states = new TreeMap<>(a.byState());
        b.byState().forEach((k, v) -> states.merge(k, v, Long::sum));
        Map<String, Long> reasons = new TreeMap<>(a.byReason());
        b.byReason().forEach((k, v) -> reasons.merge(k, v, Long::sum));
        List<Long> stuck = new ArrayList<>();
        for (int i = 0; i < a.stuck().size(); i++) {
            stuck.add(a.stuck().get(i) + b.stuck().get(i));
        }
        return new CreatorRow(a.function(), a.source(), a.goStatement(), a.count() + b.count(), states, reasons,
                longest(a.oldestWaitSeconds(), b.oldestWaitSeconds()), List.copyOf(stuck),
                longest(a.longestStuckSeconds(), b.longestStuckSeconds()));
    }

    /** The larger of two ages, either of which may be unknown (NaN). */
    private static double longest(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    /** A counter that never goes back: a torn or partial read never un-counts anything. */
    static final class Monotonic {
        private long value;

        void update(long v) {
            value = Math.max(value, v);
        }

        long value() {
            return value;
        }
    }

    /**
     * Sums per-P counters that wrap at 2^32 and whose Ps come and go with GOMAXPROCS: the total
     * grows by each P's advance since it was last seen, and starts from the first reading.
     */
    static final class TickCounter {
        private final Map<Integer, Long> last = new HashMap<>();
        private long total;

        void update(int p, long ticks) {
            Long before = last.put(p, ticks);
            long delta = before == null ? ticks : (ticks - before) & 0xffffffffL;
            // A P ticks far less than 2^31 times between scrapes: a larger step is a new P from 0.
            total += delta > Integer.MAX_VALUE ? ticks : delta;
        }

        long total() {
            return total;
        }
    }
}
