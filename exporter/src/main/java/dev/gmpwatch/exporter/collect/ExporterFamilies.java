package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.sampling.ProcessSample;
import dev.gmpwatch.exporter.sampling.Scrape;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import java.util.List;

/**
 * The families every scrape serves whatever collectors are on: one info series per process looked
 * at, the exporter's own health, and how each collector did. Pure, as the collectors are.
 */
final class ExporterFamilies {
    static final Metric TARGET_INFO = Metric.info("gmpwatch_target_info",
            "One series per process gmpwatch looked at: its Go version, probe mode (off, emulated, singlestep, failed,"
            + " over_budget, unsupported_arch) and status (watching, or why its state is not read: unreadable, implausible, unsupported,"
            + " gone, not_go).", "go_version", "probe_mode", "status");
    static final Metric SNAPSHOT_ERRORS = Metric.counter("gmpwatch_snapshot_errors_total",
            "Runtime-state reads that failed, by why.", "reason").exporterWide();
    static final Metric WALKS = Metric.counter("gmpwatch_goroutine_walks_total",
            "Goroutine walks: complete, capped at --walk.max-goroutines, or skipped (interval).", "result").exporterWide();
    static final Metric TORN_READS = Metric.counter("gmpwatch_torn_reads_total",
            "Scheduler reads whose counters moved on every try; the last exact live count was served.").exporterWide();
    static final Metric BYTES_READ = Metric.counter("gmpwatch_memory_read_bytes_total",
            "Bytes of target memory read by goroutine walks.").exporterWide();
    static final Metric ATTACH_ERRORS = Metric.counter("gmpwatch_probe_attach_errors_total",
            "Processes whose per-event probes could not be attached.").exporterWide();
    static final Metric SCRAPE_ERRORS = Metric.counter("gmpwatch_scrape_errors_total",
            "Per-process reads (runtime state or probe maps) that failed during a scrape.").exporterWide();
    static final Metric SCRAPE_DURATION = Metric.gauge("gmpwatch_scrape_duration_seconds",
            "How long reading every process's runtime state took in this scrape.").exporterWide();
    static final Metric COLLECTOR_DURATION = Metric.gauge("gmpwatch_scrape_collector_duration_seconds",
            "How long each collector took in this scrape.", "collector").exporterWide();
    static final Metric COLLECTOR_SUCCESS = Metric.gauge("gmpwatch_scrape_collector_success",
            "1 when the collector served its families in this scrape, 0 when it failed (the rest of the scrape is served).",
            "collector").exporterWide();
    static final List<Metric> DECLARED = List.of(TARGET_INFO, SNAPSHOT_ERRORS, WALKS, TORN_READS, BYTES_READ, ATTACH_ERRORS,
            SCRAPE_ERRORS, SCRAPE_DURATION, COLLECTOR_DURATION, COLLECTOR_SUCCESS);

    /** How one collector did in this scrape. */
    record Result(CollectorName name, boolean ok, double seconds) {
    }

    private ExporterFamilies() {
    }

    /** @param readSeconds how long taking the snapshot took */
    static void render(Scrape scrape, SelfMetrics.Snapshot self, double readSeconds, List<Result> results, Families f) {
        f.declare(TARGET_INFO);
        for (ProcessSample s : scrape.samples()) {
            info(f, s.labels(), s.goVersion(), s.probeMode(), s.status());
        }
        for (Scrape.Skipped s : scrape.skipped()) {
            info(f, s.labels(), s.goVersion(), Target.PROBES_OFF, s.status());
        }
        f.declare(SNAPSHOT_ERRORS);
        self.snapshotErrors().forEach((kind, n) -> f.add(SNAPSHOT_ERRORS, List.of(kind), n));
        f.declare(WALKS);
        self.walks().forEach((result, n) -> f.add(WALKS, List.of(result), n));
        f.add(TORN_READS, List.of(), self.tornReads());
        f.add(BYTES_READ, List.of(), self.memoryBytesRead());
        f.add(ATTACH_ERRORS, List.of(), scrape.attachErrors());
        f.add(SCRAPE_ERRORS, List.of(), self.scrapeErrors());
        f.add(SCRAPE_DURATION, List.of(), readSeconds);
        for (Result r : results) {
            f.add(COLLECTOR_DURATION, List.of(r.name().label()), r.seconds());
        }
        for (Result r : results) {
            f.add(COLLECTOR_SUCCESS, List.of(r.name().label()), r.ok() ? 1 : 0);
        }
    }

    private static void info(Families f, ProcessLabels proc, String goVersion, String probeMode, String status) {
        f.add(TARGET_INFO, proc, List.of(goVersion, probeMode, status), 1);
    }
}
