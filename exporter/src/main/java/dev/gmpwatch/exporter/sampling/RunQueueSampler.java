package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.discovery.Targets;
import dev.gmpwatch.exporter.runtime.RunQueueReader;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples every watched process's run queues between scrapes, on one thread at a fixed rate, and
 * keeps histograms of what it saw: a queue that fills and drains in 50 ms between two scrapes
 * 15 s apart shows in them. Each sample is one batched read of a few words per P
 * ({@link RunQueueReader}); a process that cannot be read is counted, never retried in a loop.
 */
public final class RunQueueSampler implements AutoCloseable {
    /**
     * Samples per second per process by default: every 40 ms, so a queue that stays up 40 ms or
     * longer is sampled at least once, at under 2% of one core for 50 processes (docs/benchmarks.md).
     */
    public static final double DEFAULT_RATE = 25;
    public static final double MAX_RATE = 1000;

    static final long[] GLOBAL_EDGES = {0, 1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};
    static final long[] LOCAL_EDGES = {0, 1, 2, 4, 8, 16, 32, 64, 128, 255, 256};
    static final long[] PROC_EDGES = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024};

    private static final System.Logger LOG = System.getLogger("gmpwatch.collect");

    private final Targets targets;
    private final Readers readers;
    private final long periodNanos;
    private final Map<Long, Tracker> trackers = new ConcurrentHashMap<>();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    /** The sampling thread, whose CPU time is the sampler's cost; read at scrapes, not every round. */
    private volatile long threadId = -1;
    private volatile long rounds;
    private ScheduledExecutorService timer;

    /** @param rate samples per second per process, above 0 and at most {@link #MAX_RATE} */
    public RunQueueSampler(Targets targets, Readers readers, double rate) {
        if (!(rate > 0 && rate <= MAX_RATE)) {
            throw new IllegalArgumentException("sample rate " + rate);
        }
        this.targets = targets;
        this.readers = readers;
        this.periodNanos = Math.round(1e9 / rate);
    }

    /** One process's reader and what was seen of it; written by the sampler thread, read by scrapes. */
    private static final class Tracker {
        final Target target;
        RunQueueReader reader;
        /** Why it is not sampled (a property of its binary), or null. */
        SnapshotException unsupported;
        boolean gone;
        final RunQueueReader.Sample sample = new RunQueueReader.Sample();
        final DepthCounts global = new DepthCounts(GLOBAL_EDGES);
        final DepthCounts deepestLocal = new DepthCounts(LOCAL_EDGES);
        final DepthCounts idle = new DepthCounts(PROC_EDGES);
        final DepthCounts spinning = new DepthCounts(PROC_EDGES);
        final RecentPeak globalPeak = new RecentPeak();
        final RecentPeak localPeak = new RecentPeak();
        long samples;
        long failures;
        long fullLocal;

        Tracker(Target target) {
            this.target = target;
        }
    }

    public synchronized void start() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gmpwatch-runqueue-sampler");
                t.setDaemon(true);
                threadId = t.getId();
                return t;
            });
            timer.scheduleAtFixedRate(this::round, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** One sample of every watched process. */
    void round() {
        try {
            long second = System.nanoTime() / 1_000_000_000L;
            for (Target t : targets.targets()) {
                sample(tracker(t), second);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a run-queue sampling round failed: " + e);
        }
        rounds++;
    }

    private Tracker tracker(Target t) {
        Tracker k = trackers.get(t.pid());
        if (k == null || k.target.binary() != t.binary()) {
            k = new Tracker(t); // new, or the pid now runs another program
            trackers.put(t.pid(), k);
        }
        return k;
    }

    private void sample(Tracker k, long second) {
        if (k.unsupported != null || k.gone) {
            return;
        }
        synchronized (k) {
            try {
                if (k.reader == null) {
                    k.reader = readers.reader(k.target).runQueues();
                }
                k.reader.read(k.sample);
            } catch (SnapshotException e) {
                switch (e.kind()) {
                    case UNSUPPORTED -> k.unsupported = e;
                    case GONE -> k.gone = true;
                    default -> k.failures++;
                }
                return;
            }
            RunQueueReader.Sample s = k.sample;
            k.samples++;
            k.global.add(s.global());
            k.deepestLocal.add(s.deepestLocal());
            k.idle.add(s.idleProcs());
            k.spinning.add(s.spinning());
            if (s.fullLocals() > 0) {
                k.fullLocal++;
            }
            k.globalPeak.add(second, s.global());
            k.localPeak.add(second, s.deepestLocal());
        }
    }

    /** What was sampled of a process so far; empty before its first sample or when it cannot be sampled. */
    public Optional<RunQueueDepths> depths(Target t) {
        Tracker k = trackers.get(t.pid());
        if (k == null || k.target.binary() != t.binary()) {
            return Optional.empty();
        }
        long second = System.nanoTime() / 1_000_000_000L;
        synchronized (k) {
            if (k.samples == 0 && k.failures == 0) {
                return Optional.empty();
            }
            return Optional.of(new RunQueueDepths(k.samples, k.failures, k.global.snapshot(), k.deepestLocal.snapshot(),
                    k.idle.snapshot(), k.spinning.snapshot(), k.fullLocal, k.globalPeak.peak(second), k.localPeak.peak(second)));
        }
    }

    /**
     * What sampling has cost the exporter so far.
     *
     * @param rounds     sampling rounds (each samples every watched process once)
     * @param cpuSeconds the sampler thread's CPU time
     */
    public record Cost(long rounds, double cpuSeconds) {
    }

    public Cost cost() {
        long id = threadId;
        long nanos = id < 0 ? 0 : threads.getThreadCpuTime(id);
        return new Cost(rounds, Math.max(0, nanos) / 1e9);
    }

    /** Forgets every process not in {@code alive}. */
    public void retain(Set<Long> alive) {
        trackers.keySet().retainAll(alive);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
