package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.bpf.BpfMap;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchedProcess;
import io.prometheus.client.Collector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds every gmpwatch_* metric from the BPF maps when Prometheus scrapes: a fresh snapshot
 * each time, no timers, nothing kept between scrapes.
 */
public final class SchedulerCollector extends Collector {
    private static final System.Logger LOG = System.getLogger("gmpwatch.collect");
    private static final List<String> PROC = List.of("pid", "exe");

    private final SchedulerProbes probes;
    private final Supplier<List<TargetStatus>> skipped;
    private final SelfMetrics self;
    private final CreatorTable creators;
    private final ProcStat procStat;
    private volatile double lastScrapeSeconds;
    private long scrapeErrors;

    public SchedulerCollector(SchedulerProbes probes, Supplier<List<TargetStatus>> skipped, SelfMetrics self,
                              int creatorsTopK, ProcStat procStat) {
        this.probes = probes;
        this.skipped = skipped;
        this.self = self;
        this.creators = new CreatorTable(probes, creatorsTopK);
        this.procStat = procStat;
    }

    @Override
    public synchronized List<MetricFamilySamples> collect() {
        long t0 = System.nanoTime();
        Families f = new Families();
        Map<Integer, Map<Long, Long>> live = Map.of();
        try {
            live = probes.creatorsByProcess();
        } catch (BpfException e) {
            scrapeErrors++;
            LOG.log(System.Logger.Level.WARNING, "reading the creators map failed: " + e.getMessage());
        }
        for (WatchedProcess w : probes.watched()) {
            try {
                collectProcess(w, live.getOrDefault((int) w.pid(), Map.of()), f);
            } catch (BpfException | RuntimeException e) {
                scrapeErrors++;
                LOG.log(System.Logger.Level.WARNING, "reading the maps of pid " + w.pid() + " failed: " + e.getMessage());
            }
        }
        for (TargetStatus s : skipped.get()) {
            f.info.add(new MetricFamilySamples.Sample("gmpwatch_target_info",
                    List.of("pid", "exe", "go_version", "probe_mode", "status"),
                    List.of(Long.toString(s.pid()), s.exe(), s.goVersion(), "none", s.status()), 1));
        }
        collectDrops(f);
        f.counter("gmpwatch_probe_attach_errors", "Processes whose probes could not be attached.")
                .add(new MetricFamilySamples.Sample("gmpwatch_probe_attach_errors_total", List.of(), List.of(), self.attachErrors.get()));
        f.counter("gmpwatch_scrape_errors", "Per-process map reads that failed during a scrape.")
                .add(new MetricFamilySamples.Sample("gmpwatch_scrape_errors_total", List.of(), List.of(), scrapeErrors));
        lastScrapeSeconds = (System.nanoTime() - t0) / 1e9;
        f.gauge("gmpwatch_scrape_duration_seconds", "How long reading the BPF maps took in this scrape.")
                .add(new MetricFamilySamples.Sample("gmpwatch_scrape_duration_seconds", List.of(), List.of(), lastScrapeSeconds));
        return f.build();
    }

    private void collectProcess(WatchedProcess w, Map<Long, Long> live, Families f) throws BpfException {
        List<String> proc = List.of(Long.toString(w.pid()), w.exe());
        long[][] transitions = transitions(w.slot());
        long created = 0;
        long exited = 0;
        for (int from = 0; from < SchedulerProbes.G_STATES; from++) {
            for (int to = 0; to < SchedulerProbes.G_STATES; to++) {
                long n = transitions[from][to];
                if (GoStates.isDead(from) && !GoStates.isDead(to)) {
                    created += n;
                }
                if (GoStates.isDead(to) && !GoStates.isDead(from) && from != GoStates.IDLE) {
                    exited += n;
                }
            }
        }
        f.counter("gmpwatch_goroutines_created", "Goroutines created (left _Gdead) since the probes attached.")
                .add(sample("gmpwatch_goroutines_created_total", proc, created));
        f.counter("gmpwatch_goroutines_exited", "Goroutines that exited (entered _Gdead) since the probes attached.")
                .add(sample("gmpwatch_goroutines_exited_total", proc, exited));
        transitionSamples(f, proc, transitions);
        parkSamples(f, w, proc);
        histogram(f, "gmpwatch_sched_latency_seconds", "Time from runnable to running.", "sched_latency", w, proc);
        histogram(f, "gmpwatch_stop_the_world_seconds", "Stop-the-world pauses.", "stw", w, proc);
        histogram(f, "gmpwatch_goroutine_lifetime_seconds", "Lifetime of goroutines created since attach.", "lifetime", w, proc);
        creators.samples(w, live, proc, f.gauge("gmpwatch_goroutines_by_creator",
                "Live goroutines created since attach, by entry function (top K, the rest in creator=\"other\")."));
        long gomaxprocs = probes.gomaxprocs(w.slot());
        if (gomaxprocs > 0) {
            f.gauge("gmpwatch_gomaxprocs", "The process's GOMAXPROCS.").add(sample("gmpwatch_gomaxprocs", proc, gomaxprocs));
        }
        procStat.cpuSeconds(w.pid()).ifPresent(cpu -> f.counter("gmpwatch_process_cpu_seconds",
                "User and system CPU time of the process, from /proc/PID/stat.")
                .add(new MetricFamilySamples.Sample("gmpwatch_process_cpu_seconds_total", PROC, proc, cpu)));
        f.info.add(new MetricFamilySamples.Sample("gmpwatch_target_info",
                List.of("pid", "exe", "go_version", "probe_mode", "status"),
                List.of(proc.get(0), proc.get(1), w.binary().goVersion(), w.probeMode(), "watching"), 1));
    }

    private long[][] transitions(int slot) throws BpfException {
        long[][] out = new long[SchedulerProbes.G_STATES][SchedulerProbes.G_STATES];
        BpfMap m = probes.map("transitions");
        int base = slot * SchedulerProbes.G_STATES * SchedulerProbes.G_STATES;
        for (int from = 0; from < 12; from++) {
            for (int to = 0; to < 12; to++) {
                out[from][to] = sumPerCpu(m.lookupPerCpu(base + from * SchedulerProbes.G_STATES + to, 8));
            }
        }
        return out;
    }

    private static void transitionSamples(Families f, List<String> proc, long[][] t) {
        List<MetricFamilySamples.Sample> family = f.counter("gmpwatch_goroutine_transitions",
                "Goroutine state transitions, from -> to.");
        List<String> labels = List.of("pid", "exe", "from", "to");
        Map<String, Long> byPair = new java.util.LinkedHashMap<>();
        for (String from : GoStates.REPORTED) {
            for (String to : GoStates.REPORTED) {
                byPair.put(from + "\u0000" + to, 0L);
            }
        }
        for (int from = 0; from < t.length; from++) {
            for (int to = 0; to < t.length; to++) {
                if (t[from][to] != 0 || (from < 12 && to < 12 && byPair.containsKey(GoStates.name(from) + "\u0000" + GoStates.name(to)))) {
                    byPair.merge(GoStates.name(from) + "\u0000" + GoStates.name(to), t[from][to], Long::sum);
                }
            }
        }
        byPair.forEach((k, v) -> {
            String[] ft = k.split("\u0000");
            family.add(new MetricFamilySamples.Sample("gmpwatch_goroutine_transitions_total", labels,
                    List.of(proc.get(0), proc.get(1), ft[0], ft[1]), v));
        });
    }

    private void parkSamples(Families f, WatchedProcess w, List<String> proc) throws BpfException {
        List<MetricFamilySamples.Sample> family = f.counter("gmpwatch_goroutine_parks",
                "Goroutines parked (moved to _Gwaiting), by the runtime's wait reason.");
        List<String> texts = w.binary().waitReasons().texts();
        Map<String, Long> byReason = new java.util.LinkedHashMap<>();
        for (String t : texts) {
            if (!t.isEmpty()) {
                byReason.put(t, 0L);
            }
        }
        BpfMap m = probes.map("parks");
        for (int code = 0; code < SchedulerProbes.WAIT_REASONS; code++) {
            long n = sumPerCpu(m.lookupPerCpu(w.slot() * SchedulerProbes.WAIT_REASONS + code, 8));
            if (n != 0) {
                String reason = code < texts.size() && !texts.get(code).isEmpty() ? texts.get(code) : "other";
                byReason.merge(reason, n, Long::sum);
            }
        }
        List<String> labels = List.of("pid", "exe", "reason");
        byReason.forEach((r, n) -> family.add(new MetricFamilySamples.Sample("gmpwatch_goroutine_parks_total", labels,
                List.of(proc.get(0), proc.get(1), r), n)));
    }

    private void histogram(Families f, String name, String help, String map, WatchedProcess w, List<String> proc)
            throws BpfException {
        ByteBuffer perCpu = probes.map(map).lookupPerCpu(w.slot(), SchedulerProbes.HIST_SIZE);
        f.histogram(name, help).addAll(Histograms.samples(name, PROC, proc,
                Histograms.sumPerCpu(perCpu, SchedulerProbes.HIST_BUCKETS, SchedulerProbes.HIST_SIZE)));
    }

    private void collectDrops(Families f) {
        String[] kinds = {"runnable_table_full", "birth_table_full", "creator_table_full", "stw_table_full", "no_free_slot"};
        List<MetricFamilySamples.Sample> family = f.counter("gmpwatch_events_dropped",
                "Events the BPF programs could not record because a bounded map was full.");
        for (int i = 0; i < kinds.length; i++) {
            long n = 0;
            try {
                n = sumPerCpu(probes.map("drops").lookupPerCpu(i, 8));
            } catch (BpfException e) {
                scrapeErrors++;
            }
            family.add(new MetricFamilySamples.Sample("gmpwatch_events_dropped_total", List.of("reason"), List.of(kinds[i]), n));
        }
    }

    static long sumPerCpu(ByteBuffer b) {
        long s = 0;
        for (int off = 0; off + 8 <= b.capacity(); off += 8) {
            s += b.getLong(off);
        }
        return s;
    }

    private static MetricFamilySamples.Sample sample(String name, List<String> proc, double v) {
        return new MetricFamilySamples.Sample(name, PROC, proc, v);
    }
}
