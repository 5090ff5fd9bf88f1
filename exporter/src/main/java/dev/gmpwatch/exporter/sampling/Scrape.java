package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import java.util.List;

/**
 * What one scrape read of the served processes, as plain values: the collectors render it and do
 * no I/O of their own on it.
 *
 * @param samples      one per served process
 * @param skipped      the processes looked at and not served, with why
 * @param attachErrors processes whose per-event probes could not be attached, so far
 */
public record Scrape(List<ProcessSample> samples, List<Skipped> skipped, long attachErrors) {
    public static final Scrape EMPTY = new Scrape(List.of(), List.of(), 0);

    public Scrape {
        samples = List.copyOf(samples);
        skipped = List.copyOf(skipped);
    }

    /** A process not served, named as a served one would be. */
    public record Skipped(ProcessLabels labels, String goVersion, String status) {
    }
}
