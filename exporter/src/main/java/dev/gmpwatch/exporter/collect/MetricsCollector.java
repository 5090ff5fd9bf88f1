package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.sampling.Scrape;

/**
 * One collector of the scrape: a group of families turned on and off as one
 * ({@code --no-collector.NAME}). It renders the scrape's snapshot of the served processes, or
 * reads a source of its own (the probe maps, the pod watch's counters).
 */
public interface MetricsCollector {
    /** Writes this scrape's series of the collector's declared families; throwing costs only those. */
    void collect(Scrape scrape, Families out);
}
