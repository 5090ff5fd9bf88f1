package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.runtime.GoStatus;
import dev.gmpwatch.exporter.sampling.ProbeScrape;
import dev.gmpwatch.exporter.sampling.Scrape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;


/**
 * The per-event mode's metrics: state transitions, parks by reason, goroutine lifetimes and
 * dropped events, rendered from the probe maps as read at this scrape. Pure, as the snapshot's
 * collectors are; served beside theirs.
 */
final class ProbeCollector implements MetricsCollector {
    /** The states every process gets transition series for, pre-filled with 0. */
    private static final List<String> REPORTED_STATES = List.of("idle", "runnable", "running", "syscall", "waiting",
            "dead", "copystack", "preempted");

    static final Metric TRANSITIONS = Metric.counter("gmpwatch_goroutine_transitions_total",
            "Goroutine state transitions, from -> to, exact, since the probes attached.", "from", "to");
    static final Metric PARKS = Metric.counter("gmpwatch_goroutine_parks_total",
            "Goroutines parked (moved to _Gwaiting), by the runtime's wait reason.", "reason");
    static final Metric LIFETIME = Metric.histogram("gmpwatch_goroutine_lifetime_seconds",
            "Lifetime of goroutines created since the probes attached.");
    static final Metric OVERHEAD = Metric.gauge("gmpwatch_probe_overhead_ratio",
            "Estimated share of one CPU the per-event probes cost the process (hit rate x cost per hit).");
    static final Metric DROPPED = Metric.counter("gmpwatch_events_dropped_total",
            "Events the BPF program could not record because a bounded map was full: birth_table_full (a lifetime not"
            + " timed), no_free_slot (a process of an --exe binary left without per-event counts).", "reason").exporterWide();
    static final Metric OVERFLOWS = Metric.counter("gmpwatch_runqueue_overflows_total",
            "Local run-queue overflows: runqputslow calls, each of which moved half of a full P-local queue (128) to the global queue.");
    static final Metric STEAL_ATTEMPTS = Metric.counter("gmpwatch_steal_attempts_total",
            "Attempts to steal work from another P's local queue (runqsteal calls in findRunnable).");
    static final Metric STEAL_FAILURES = Metric.counter("gmpwatch_steal_failures_total",
            "Steal attempts that found nothing to take (runqgrab took 0); high on an idle service, which is normal.");
    static final List<Metric> DECLARED = List.of(TRANSITIONS, PARKS, LIFETIME, OVERHEAD, OVERFLOWS, STEAL_ATTEMPTS, STEAL_FAILURES, DROPPED);

    private final Supplier<ProbeScrape> probes;

    ProbeCollector(Supplier<ProbeScrape> probes) {
        this.probes = probes;
    }

    @Override
    public void collect(Scrape scrape, Families f) {
        ProbeScrape p = probes.get();
        DECLARED.forEach(f::declare);
        for (ProbeScrape.Probed w : p.processes()) {
            transitions(f, w.labels(), w.counts().transitions());
            parks(f, w.labels(), w.waitReasons(), w.counts().parks());
            f.addHistogram(LIFETIME, Histograms.samples(LIFETIME.name(), w.labels().names(), w.labels().values(),
                    new Histograms.Log2Histogram(w.counts().lifetimeBuckets(), w.counts().lifetimeSumNanos())));
            w.overhead().ifPresent(o -> f.add(OVERHEAD, w.labels(), o));
            f.add(OVERFLOWS, w.labels(), w.counts().overflows());
            if (w.stealsProbed()) {
                f.add(STEAL_ATTEMPTS, w.labels(), w.counts().stealAttempts());
                f.add(STEAL_FAILURES, w.labels(), w.counts().stealFailures());
            }
        }
        for (int i = 0; i < p.drops().size(); i++) {
            f.add(DROPPED, List.of(SchedulerProbes.DROP_REASONS.get(i)), p.drops().get(i));
        }
    }

    /** Every pair of the reported states, 0 included, and any other pair that happened. */
    private static void transitions(Families f, ProcessLabels proc, long[][] t) {
        Map<String, Long> byPair = new LinkedHashMap<>();
        for (String from : REPORTED_STATES) {
            for (String to : REPORTED_STATES) {
                byPair.put(from + "\u0000" + to, 0L);
            }
        }
        for (int from = 0; from < Math.min(t.length, GoStatus.COUNT); from++) {
            for (int to = 0; to < Math.min(t[from].length, GoStatus.COUNT); to++) {
                String pair = GoStatus.name(from) + "\u0000" + GoStatus.name(to);
                if (t[from][to] != 0 || byPair.containsKey(pair)) {
                    byPair.merge(pair, t[from][to], Long::sum);
                }
            }
        }
        byPair.forEach((k, v) -> {
            String[] ft = k.split("\u0000");
            f.add(TRANSITIONS, proc, List.of(ft[0], ft[1]), v);
        });
    }

    /** Every reason the binary knows, 0 included; codes it has no text for count as "other". */
    private static void parks(Families f, ProcessLabels proc, List<String> texts, long[] byCode) {
        Map<String, Long> byReason = new LinkedHashMap<>();
        for (String t : texts) {
            if (!t.isEmpty()) {
                byReason.put(t, 0L);
            }
        }
        for (int code = 0; code < byCode.length; code++) {
            if (byCode[code] != 0) {
                String reason = code < texts.size() && !texts.get(code).isEmpty() ? texts.get(code) : "other";
                byReason.merge(reason, byCode[code], Long::sum);
            }
        }
        byReason.forEach((r, n) -> f.add(PARKS, proc, List.of(r), n));
    }
}
