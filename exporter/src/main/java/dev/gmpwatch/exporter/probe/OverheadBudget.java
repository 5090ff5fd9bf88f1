package dev.gmpwatch.exporter.probe;

import dev.gmpwatch.exporter.bpf.BpfException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-event mode's overhead budget. Each probe hit costs the target a trap into the kernel;
 * from each process's hit rate and the cost of one hit this estimates the share of one CPU the
 * probes take from it, and names the processes over the budget.
 */
public final class OverheadBudget {
    /** 2% of one CPU. */
    public static final double DEFAULT_FRACTION = 0.02;
    /** A hit on an emulated instruction (measured: notes/uprobes-on-go.md). */
    static final double EMULATED_HIT_SECONDS = 0.45e-6;
    /** A hit that is single-stepped: a second trap. */
    static final double SINGLESTEP_HIT_SECONDS = 13.5e-6;

    /** One process's estimate. */
    public record Estimate(long pid, double hitsPerSecond, double cpuFraction) {
    }

    private final double fraction;
    private final Map<Long, long[]> last = new HashMap<>(); // pid -> {hits, nanos}
    private final Map<Long, Estimate> estimates = new ConcurrentHashMap<>();

    public OverheadBudget(double fraction) {
        this.fraction = fraction;
    }

    public double fraction() {
        return fraction;
    }

    /** Updates every watched process's estimate; returns those over the budget. */
    public synchronized List<Estimate> check(SchedulerProbes probes, long nowNanos) throws BpfException {
        List<Estimate> over = new ArrayList<>();
        Map<Long, long[]> seen = new HashMap<>();
        for (WatchedProcess w : probes.watched()) {
            long hits = probes.hits(w.slot());
            long[] before = last.get(w.pid());
            seen.put(w.pid(), new long[] {hits, nowNanos});
            if (before == null || nowNanos <= before[1]) {
                continue; // the first look sets the baseline
            }
            double seconds = (nowNanos - before[1]) / 1e9;
            double rate = Math.max(0, hits - before[0]) / seconds;
            double perHit = w.probeMode().equals("emulated") ? EMULATED_HIT_SECONDS : SINGLESTEP_HIT_SECONDS;
            Estimate e = new Estimate(w.pid(), rate, rate * perHit);
            estimates.put(w.pid(), e);
            if (e.cpuFraction() > fraction) {
                over.add(e);
            }
        }
        last.clear();
        last.putAll(seen);
        estimates.keySet().retainAll(seen.keySet());
        return over;
    }

    public Optional<Estimate> estimate(long pid) {
        return Optional.ofNullable(estimates.get(pid));
    }
}
