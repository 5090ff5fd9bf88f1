package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.host.CgroupThrottling;
import dev.gmpwatch.exporter.host.CpuWait;
import dev.gmpwatch.exporter.host.ProcStat;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoroutineCensus;
import dev.gmpwatch.exporter.runtime.ProcState;
import dev.gmpwatch.exporter.runtime.SchedulerState;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.sampling.ProcessSample.Walk;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

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

    private final Readers readers;
    private final Limits limits;
    private final SelfMetrics self;
    private final ProcStat procStat;
    private final CpuWait cpuWait;
    private final CgroupThrottling throttling;
    private final Map<Long, PerProcess> perProcess = new HashMap<>();

    public StateSampler(Procfs proc, Limits limits, SelfMetrics self) {
        this.readers = new Readers(proc, limits.maxGoroutines(), limits.historyMaxGoroutines());
        this.limits = limits;
        this.self = self;
        this.procStat = new ProcStat(proc);
        this.cpuWait = new CpuWait(proc);
        this.throttling = new CgroupThrottling(proc);
    }

    /** What is kept between scrapes for one process. */
    private static final class PerProcess {
        final Target target;
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
        /** Reasons already logged for this process: each is logged once, not once per scrape. */
        final Set<String> logged = new HashSet<>();

        PerProcess(Target target) {
            this.target = target;
        }
    }

    public synchronized ProcessSample sample(Target t, ProcessLabels labels, Reads reads) {
        PerProcess p = state(t);
        SchedulerState s = null;
        String status = ProcessSample.WATCHING;
        String reason = "";
        try {
            s = readers.reader(t).scheduler();
            if (!s.torn()) {
                p.lastExactLive = s.goroutines();
            } else {
                self.tornRead();
                if (p.lastExactLive >= 0) {
                    s = s.withGoroutines(p.lastExactLive);
                }
            }
            if (reads.walk()) {
                maybeWalk(p);
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
                reads.host() ? throttling.of(t.pid()) : Optional.empty(), labels, Optional.empty());
    }

    /** The readers this sampler shares with the requests made on demand (the API, stacks). */
    public Readers readers() {
        return readers;
    }

    /** Forgets every process not in {@code alive}, and closes its reader. */
    public synchronized void retain(Set<Long> alive) {
        perProcess.keySet().retainAll(alive);
        readers.retain(alive);
    }

    private PerProcess state(Target t) {
        PerProcess p = perProcess.get(t.pid());
        if (p == null || p.target.binary() != t.binary()) {
            p = new PerProcess(t); // new, or the pid now runs another program
            perProcess.put(t.pid(), p);
        }
        return p;
    }

    private void maybeWalk(PerProcess p) throws SnapshotException {
        long now = System.nanoTime();
        long min = limits.minWalkInterval().toNanos();
        long spacing = min == 0 || p.census == null ? min : Math.max(min, p.census.nanos() * WALK_COST_FACTOR);
        if (p.census != null && now - p.walkedAt < spacing) {
            self.walked("skipped");
            return;
        }
        Readers.Walked w = readers.walk(p.target);
        GoroutineCensus c = w.census();
        p.census = c;
        p.walkedAt = now;
        p.rows = w.now();
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
