package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.ProcessLabeler;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.discovery.TargetStatus;
import dev.gmpwatch.exporter.discovery.Targets;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.List;

/**
 * The default mode: at each scrape, reads every served process's runtime state (the sampler does
 * the I/O) and renders it, with the exporter's own health, into gmpwatch_* families.
 */
public final class StateCollector extends Collector {
    private final Targets targets;
    private final StateSampler sampler;
    private final SelfMetrics self;
    private final int topK;
    private final ProcessLabeler labeler;

    public StateCollector(Targets targets, StateSampler sampler,
                          SelfMetrics self, int topK, ProcessLabeler labeler) {
        this.targets = targets;
        this.sampler = sampler;
        this.self = self;
        this.topK = topK;
        this.labeler = labeler;
    }

    @Override
    public synchronized List<MetricFamilySamples> collect() {
        long t0 = System.nanoTime();
        List<ProcessSample> samples = new ArrayList<>();
        for (Target t : targets.targets()) {
            samples.add(sampler.sample(t, labeler.labels(t.pid(), t.exe(), t.container())));
        }
        Families f = new Families();
        StateMetrics.render(samples, topK, f);
        for (TargetStatus s : targets.skipped()) {
            StateMetrics.info(f, labeler.labels(s.pid(), s.exe(), s.container()), s.goVersion(), Target.PROBES_OFF, s.status());
        }
        List<Sample> errors = f.counter("gmpwatch_snapshot_errors", "Runtime-state reads that failed, by why.");
        self.snapshotErrors().forEach((kind, n) -> errors.add(new Sample("gmpwatch_snapshot_errors_total", List.of("reason"), List.of(kind), n)));
        List<Sample> walks = f.counter("gmpwatch_goroutine_walks", "Goroutine walks: complete, capped at --walk.max-goroutines, or skipped (interval).");
        self.walks().forEach((result, n) -> walks.add(new Sample("gmpwatch_goroutine_walks_total", List.of("result"), List.of(result), n)));
        f.counter("gmpwatch_torn_reads", "Scheduler reads whose counters moved on every try; the last exact live count was served.")
                .add(new Sample("gmpwatch_torn_reads_total", List.of(), List.of(), self.tornReads.get()));
        f.counter("gmpwatch_memory_read_bytes", "Bytes of target memory read by goroutine walks.")
                .add(new Sample("gmpwatch_memory_read_bytes_total", List.of(), List.of(), self.memoryBytesRead.get()));
        f.counter("gmpwatch_probe_attach_errors", "Processes whose per-event probes could not be attached.")
                .add(new Sample("gmpwatch_probe_attach_errors_total", List.of(), List.of(), targets.attachErrors()));
        f.counter("gmpwatch_scrape_errors", "Per-process reads (runtime state or probe maps) that failed during a scrape.")
                .add(new Sample("gmpwatch_scrape_errors_total", List.of(), List.of(), self.scrapeErrors.get()));
        f.gauge("gmpwatch_scrape_duration_seconds", "How long reading every process's runtime state took in this scrape.")
                .add(new Sample("gmpwatch_scrape_duration_seconds", List.of(), List.of(), (System.nanoTime() - t0) / 1e9));
        return f.build();
    }
}
