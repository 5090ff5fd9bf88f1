package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.sampling.ProcessSample.Walk;
import dev.gmpwatch.exporter.sampling.ProcessSample;
import dev.gmpwatch.exporter.sampling.Scrape;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The goroutine walk of each served process: goroutines by state, wait reason and creator, stuck
 * ages, and the walk's own age and cost. Pure: it renders the last walk in the snapshot. Turned
 * off, the sampler walks no goroutines at scrapes at all.
 */
final class WalkCollector implements MetricsCollector {
    static final List<String> STATES = List.of("runnable", "running", "syscall", "waiting", "copystack", "preempted");
    /** The age label of gmpwatch_goroutines_stuck, one per GoroutineCensus.STUCK_AGES_SECONDS. */
    static final List<String> STUCK_AGES = List.of("1m", "10m", "1h");

    static final Metric BY_STATE = Metric.gauge("gmpwatch_goroutines",
            "Live goroutines by state, from the last walk of allgs; sums to the live count at rest.", "state");
    static final Metric WAITING = Metric.gauge("gmpwatch_goroutines_waiting",
            "Goroutines in waiting, by the runtime's own wait-reason text, from the last walk.", "reason");
    static final Metric BY_CREATOR = Metric.gauge("gmpwatch_goroutines_by_creator",
            "Live goroutines by the function they run (go f(x) wrappers resolve to f; top K, the rest in creator=\"other\"),"
            + " from the last walk.", "creator");
    static final Metric STUCK = Metric.gauge("gmpwatch_goroutines_stuck",
            "Waiting goroutines that have not run for at least `age` (1m, 10m, 1h), by the function they run (top K as"
            + " gmpwatch_goroutines_by_creator), from the runtime's waitsince or the walks' history.", "creator", "age");
    static final Metric HISTORY_TRACKED = Metric.gauge("gmpwatch_goroutine_history_tracked",
            "Waiting goroutines whose stuck age the walks track (capped by --walk.history-max-goroutines).");
    static final Metric HISTORY_UNTRACKED = Metric.gauge("gmpwatch_goroutine_history_untracked",
            "Waiting goroutines the last walk could not track: the history was full.");
    static final Metric HISTORY_BYTES = Metric.gauge("gmpwatch_goroutine_history_bytes", "Memory the stuck history of the process holds.");
    static final Metric WALK_AGE = Metric.gauge("gmpwatch_goroutine_walk_age_seconds", "How old the goroutine walk behind gmpwatch_goroutines* is.");
    static final Metric WALK_DURATION = Metric.gauge("gmpwatch_goroutine_walk_duration_seconds", "How long the last goroutine walk took.");
    static final Metric WALK_CAPPED = Metric.gauge("gmpwatch_goroutine_walk_capped",
            "1 when the last walk stopped at --walk.max-goroutines before the end.");
    static final List<Metric> DECLARED = List.of(BY_STATE, WAITING, BY_CREATOR, STUCK, HISTORY_TRACKED, HISTORY_UNTRACKED,
            HISTORY_BYTES, WALK_AGE, WALK_DURATION, WALK_CAPPED);

    private final int topK;

    /** @param topK creators served by name per process; the rest are summed in creator="other" */
    WalkCollector(int topK) {
        this.topK = topK;
    }

    @Override
    public void collect(Scrape scrape, Families f) {
        for (ProcessSample s : scrape.samples()) {
            s.walk().ifPresent(w -> render(w, s.labels(), f));
        }
    }

    private void render(Walk w, ProcessLabels proc, Families f) {
        Map<String, Long> byState = new TreeMap<>();
        STATES.forEach(st -> byState.put(st, 0L));
        byState.putAll(w.byState());
        byState.forEach((st, n) -> f.add(BY_STATE, proc, List.of(st), n));
        f.declare(WAITING);
        new TreeMap<>(w.waitingByReason()).forEach((r, n) -> f.add(WAITING, proc, List.of(r), n));
        creators(w, proc, f);
        f.add(HISTORY_TRACKED, proc, w.history().tracked());
        f.add(HISTORY_UNTRACKED, proc, w.history().untracked());
        f.add(HISTORY_BYTES, proc, w.history().bytes());
        f.add(WALK_AGE, proc, w.ageSeconds());
        f.add(WALK_DURATION, proc, w.durationSeconds());
        f.add(WALK_CAPPED, proc, w.capped() ? 1 : 0);
    }

    /** The top K creators by name, and everything else (the reader's "other" too) in creator="other". */
    private void creators(Walk w, ProcessLabels proc, Families f) {
        f.declare(BY_CREATOR);
        f.declare(STUCK);
        long other = 0;
        long[] otherStuck = new long[STUCK_AGES.size()];
        int shown = 0;
        for (CreatorRow r : w.creators()) {
            if (shown < topK && !r.function().equals(CreatorRow.OTHER)) {
                f.add(BY_CREATOR, proc, List.of(r.function()), r.count());
                for (int i = 0; i < STUCK_AGES.size(); i++) {
                    f.add(STUCK, proc, List.of(r.function(), STUCK_AGES.get(i)), r.stuck().get(i));
                }
                shown++;
            } else {
                other += r.count();
                for (int i = 0; i < STUCK_AGES.size(); i++) {
                    otherStuck[i] += r.stuck().get(i);
                }
            }
        }
        f.add(BY_CREATOR, proc, List.of(CreatorRow.OTHER), other);
        for (int i = 0; i < STUCK_AGES.size(); i++) {
            f.add(STUCK, proc, List.of(CreatorRow.OTHER, STUCK_AGES.get(i)), otherStuck[i]);
        }
    }
}
