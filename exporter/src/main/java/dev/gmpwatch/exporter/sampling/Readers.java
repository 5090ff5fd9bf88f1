package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoroutineCensus;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import dev.gmpwatch.exporter.runtime.StuckHistory;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The open runtime-state reader of each watched process, shared by the scrape's sampler and the
 * requests made on demand (the goroutine API, stacks, the goroutines command), with what walks of
 * any kind share: the stuck history and the last walk's rows. A binary that cannot be read is
 * remembered as such, so it is not retried at every scrape. Walks run outside the lock, so one
 * process's slow walk never holds up another's read.
 */
public final class Readers {
    private final Procfs proc;
    private final long maxGoroutines;
    private final int historyMax;
    private final Map<Long, Entry> entries = new HashMap<>();

    /** One process's reader and what its walks share. */
    private static final class Entry {
        final Target target;
        ProcessReader reader;
        SnapshotException unsupported;
        /** Ages waiting goroutines across walks; null when the history is off. Walks lock it. */
        final StuckHistory history;
        /** The rows of the last walk of any kind (scrape or request), for "since the last walk"; guarded by this. */
        List<CreatorRow> lastRows;

        Entry(Target target, int historyMax) {
            this.target = target;
            this.history = historyMax > 0 ? new StuckHistory(historyMax, System.nanoTime()) : null;
        }
    }

    /**
     * @param maxGoroutines a walk reads at most this many entries of allgs
     * @param historyMax    waiting goroutines whose stuck age is tracked per process; 0: none
     */
    public Readers(Procfs proc, long maxGoroutines, int historyMax) {
        this.proc = proc;
        this.maxGoroutines = maxGoroutines;
        this.historyMax = historyMax;
    }

    /** A walk's census, its rows by function, and the rows of the walk before it (null when none). */
    public record Walked(GoroutineCensus census, List<CreatorRow> now, List<CreatorRow> previous) {
    }

    /** A fresh walk, capped, aging waits with the history; its rows become the last walk's. */
    public Walked walk(Target t) throws SnapshotException {
        Entry e;
        ProcessReader r;
        synchronized (this) {
            e = entry(t);
            r = open(e);
        }
        GoroutineCensus c;
        if (e.history == null) {
            c = r.census(maxGoroutines);
        } else {
            synchronized (e.history) {
                c = r.census(maxGoroutines, e.history, System.nanoTime());
            }
        }
        List<CreatorRow> rows = rows(c);
        List<CreatorRow> previous;
        synchronized (e) {
            previous = e.lastRows;
            e.lastRows = rows;
        }
        return new Walked(c, rows, previous);
    }

    /** The rows of a fresh walk, for the goroutine API and command. */
    public List<CreatorRow> walkNow(Target t) throws SnapshotException {
        return walk(t).now();
    }

    /** The process's reader, opened on first use. */
    public synchronized ProcessReader reader(Target t) throws SnapshotException {
        return open(entry(t));
    }

    /** The stuck history of a watched process, for a stack read to age waits with; null when off. */
    public synchronized StuckHistory history(Target t) {
        return entry(t).history;
    }

    /** Work on a process's reader for an on-demand request (goroutine lists, stacks): outside the lock. */
    public <T> T onDemand(Target t, ReaderTask<T> task) throws SnapshotException {
        return task.run(reader(t));
    }

    /** Something done with a process's reader. */
    public interface ReaderTask<T> {
        T run(ProcessReader reader) throws SnapshotException;
    }

    /** Closes the reader of every process not in {@code alive}. */
    public synchronized void retain(Set<Long> alive) {
        entries.entrySet().removeIf(e -> {
            if (alive.contains(e.getKey())) {
                return false;
            }
            close(e.getValue());
            return true;
        });
    }

    private Entry entry(Target t) {
        Entry e = entries.get(t.pid());
        if (e == null || e.target.binary() != t.binary()) {
            if (e != null) {
                close(e); // the pid now runs another program
            }
            e = new Entry(t, historyMax);
            entries.put(t.pid(), e);
        }
        return e;
    }

    private ProcessReader open(Entry e) throws SnapshotException {
        if (e.unsupported != null) {
            throw e.unsupported;
        }
        if (e.reader == null) {
            try {
                e.reader = ProcessReader.open(proc, e.target.pid(), e.target.binary(), e.target.loadBias());
            } catch (SnapshotException ex) {
                if (ex.kind() == SnapshotException.Kind.UNSUPPORTED) {
                    e.unsupported = ex; // a property of the binary: do not retry every scrape
                }
                throw ex;
            }
        }
        return e.reader;
    }

    private static void close(Entry e) {
        if (e.reader != null) {
            e.reader.close();
        }
    }

    /** Census entries by function, largest first: several entry PCs may resolve to one function. */
    static List<CreatorRow> rows(GoroutineCensus c) {
        long now = System.nanoTime(); // CLOCK_MONOTONIC, as the runtime's nanotime
        Map<String, CreatorRow> byFunction = new LinkedHashMap<>();
        for (GoroutineCensus.CreatorCount cc : c.creators().values()) {
            double oldest = cc.oldestWaitSince() > 0 && cc.oldestWaitSince() <= now ? (now - cc.oldestWaitSince()) / 1e9 : Double.NaN;
            CreatorRow row = new CreatorRow(cc.function(), cc.source(), cc.goStatement(), cc.count(), cc.byState(), cc.byReason(),
                    oldest, cc.stuck(), cc.longestStuckNanos() < 0 ? Double.NaN : cc.longestStuckNanos() / 1e9);
            byFunction.merge(cc.function(), row, Readers::merge);
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
}
