package dev.gmpwatch.exporter.sampling;

import java.util.ArrayList;
import java.util.List;

/** A histogram of sampled depths being filled: a count per bucket, no allocation per sample. */
final class DepthCounts {
    private final long[] edges;
    private final long[] buckets;
    private long count;
    private long sum;

    DepthCounts(long... edges) {
        this.edges = edges.clone();
        this.buckets = new long[edges.length];
    }

    void add(long depth) {
        count++;
        sum += depth;
        for (int i = 0; i < edges.length; i++) {
            if (depth <= edges[i]) {
                buckets[i]++;
                return;
            }
        }
    }

    DepthHistogram snapshot() {
        List<Long> e = new ArrayList<>(edges.length);
        List<Long> c = new ArrayList<>(edges.length);
        long cumulative = 0;
        for (int i = 0; i < edges.length; i++) {
            cumulative += buckets[i];
            e.add(edges[i]);
            c.add(cumulative);
        }
        return new DepthHistogram(e, c, count, sum);
    }
}
