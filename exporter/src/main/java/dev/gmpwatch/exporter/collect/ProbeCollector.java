package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.bpf.BpfMap;
import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.probe.OverheadBudget;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchedProcess;
import dev.gmpwatch.exporter.runtime.GoStatus;
import dev.gmpwatch.exporter.sampling.Scrape;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The per-event mode's metrics, from the BPF maps when Prometheus scrapes: state transitions,
 * parks by reason, goroutine lifetimes and dropped events. Served beside the snapshot's.
 */
final class ProbeCollector implements MetricsCollector {
    private static final System.Logger LOG = System.getLogger("gmpwatch.collect");

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
            "Events the BPF programs could not record because a bounded map was full.", "reason").exporterWide();
    static final List<Metric> DECLARED = List.of(TRANSITIONS, PARKS, LIFETIME, OVERHEAD, DROPPED);

    private final SchedulerProbes probes;
    private final OverheadBudget budget;
    private final SelfMetrics self;
    private final Function<WatchedProcess, ProcessLabels> labels;

    /** @param labels names a probed process as the state collector names it, so the series of both join */
    ProbeCollector(SchedulerProbes probes, OverheadBudget budget, SelfMetrics self,
                              Function<WatchedProcess, ProcessLabels> labels) {
        this.probes = probes;
        this.budget = budget;
        this.self = self;
        this.labels = labels;
    }

    @Override
    public synchronized void collect(Scrape scrape, Families f) {
        for (WatchedProcess w : probes.watched()) {
            try {
                collectProcess(w, f);
            } catch (BpfException | RuntimeException e) {
                self.scrapeFailed();
                LOG.log(System.Logger.Level.WARNING, "reading the maps of pid " + w.pid() + " failed: " + e.getMessage());
            }
        }
        collectDrops(f);
    }

    private void collectProcess(WatchedProcess w, Families f) throws BpfException {
        ProcessLabels proc = labels.apply(w);
        transitionSamples(f, proc, probes.transitions(w.slot()));
        parkSamples(f, w, proc);
        histogram(f, LIFETIME, "lifetime", w, proc);
        budget.estimate(w.pid()).ifPresent(e -> f.add(OVERHEAD, proc, e.cpuFraction()));
    }

    private static void transitionSamples(Families f, ProcessLabels proc, long[][] t) {
        Map<String, Long> byPair = new java.util.LinkedHashMap<>();
        for (String from : REPORTED_STATES) {
            for (String to : REPORTED_STATES) {
                byPair.put(from + "\u0000" + to, 0L);
            }
        }
        for (int from = 0; from < t.length; from++) {
            for (int to = 0; to < t.length; to++) {
                if (t[from][to] != 0 || (from < 12 && to < 12 && byPair.containsKey(GoStatus.name(from) + "\u0000" + GoStatus.name(to)))) {
                    byPair.merge(GoStatus.name(from) + "\u0000" + GoStatus.name(to), t[from][to], Long::sum);
                }
            }
        }
        byPair.forEach((k, v) -> {
            String[] ft = k.split("\u0000");
            f.add(TRANSITIONS, proc, List.of(ft[0], ft[1]), v);
        });
    }

    private void parkSamples(Families f, WatchedProcess w, ProcessLabels proc) throws BpfException {
        List<String> texts = w.binary().waitReasons().texts();
        Map<String, Long> byReason = new java.util.LinkedHashMap<>();
        for (String t : texts) {
            if (!t.isEmpty()) {
                byReason.put(t, 0L);
            }
        }
        BpfMap m = probes.map("parks");
        for (int code = 0; code < SchedulerProbes.WAIT_REASONS; code++) {
            long n = BpfMap.sumPerCpu(m.lookupPerCpu(w.slot() * SchedulerProbes.WAIT_REASONS + code, 8));
            if (n != 0) {
                String reason = code < texts.size() && !texts.get(code).isEmpty() ? texts.get(code) : "other";
                byReason.merge(reason, n, Long::sum);
            }
        }
        f.declare(PARKS);
        byReason.forEach((r, n) -> f.add(PARKS, proc, List.of(r), n));
    }

    private void histogram(Families f, Metric m, String map, WatchedProcess w, ProcessLabels proc) throws BpfException {
        ByteBuffer perCpu = probes.map(map).lookupPerCpu(w.slot(), SchedulerProbes.HIST_SIZE);
        f.addHistogram(m, Histograms.samples(m.name(), proc.names(), proc.values(),
                Histograms.sumPerCpu(perCpu, SchedulerProbes.HIST_BUCKETS, SchedulerProbes.HIST_SIZE)));
    }

    private void collectDrops(Families f) {
        String[] kinds = {"runnable_table_full", "birth_table_full", "creator_table_full", "stw_table_full", "no_free_slot"};
        for (int i = 0; i < kinds.length; i++) {
            long n = 0;
            try {
                n = BpfMap.sumPerCpu(probes.map("drops").lookupPerCpu(i, 8));
            } catch (BpfException e) {
                self.scrapeFailed();
            }
            f.add(DROPPED, List.of(kinds[i]), n);
        }
    }
}
