package dev.gmpwatch.exporter.sampling;

import java.util.List;

/**
 * How often a sampled depth was at most each edge: cumulative counts, as a Prometheus histogram
 * serves them.
 *
 * @param edges      the upper bounds, ascending; +Inf is implied
 * @param cumulative samples at or below each edge
 * @param count      every sample (the +Inf bucket)
 * @param sum        the depths summed, for the mean
 */
public record DepthHistogram(List<Long> edges, List<Long> cumulative, long count, long sum) {
    public DepthHistogram {
        edges = List.copyOf(edges);
        cumulative = List.copyOf(cumulative);
    }
}
