package dev.gmpwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the BPF log2 histograms (bucket i counts durations in [2^(i-1), 2^i) ns, summed over
 * CPUs) into Prometheus buckets at every second power of two: 1.024 us, 4.1 us, ... 68.7 s.
 */
final class Histograms {
    static final int FIRST_BOUND_LOG2 = 10;
    static final int LAST_BOUND_LOG2 = 36;
    static final int STEP_LOG2 = 2;

    /** A summed histogram: per-bucket counts and the sum in nanoseconds. */
    record Log2Histogram(long[] buckets, long sumNanos) {
        long count() {
            long c = 0;
            for (long b : buckets) {
                c += b;
            }
            return c;
        }
    }

    private Histograms() {
    }

    static List<Sample> samples(String name, List<String> labelNames, List<String> labelValues, Log2Histogram h) {
        List<Sample> out = new ArrayList<>();
        List<String> withLe = new ArrayList<>(labelNames);
        withLe.add("le");
        long cumulative = 0;
        int next = 0;
        for (int bound = FIRST_BOUND_LOG2; bound <= LAST_BOUND_LOG2; bound += STEP_LOG2) {
            for (; next <= bound && next < h.buckets().length; next++) {
                cumulative += h.buckets()[next];
            }
            out.add(new Sample(name + "_bucket", withLe, with(labelValues, Double.toString((1L << bound) / 1e9)), cumulative));
        }
        out.add(new Sample(name + "_bucket", withLe, with(labelValues, "+Inf"), h.count()));
        out.add(new Sample(name + "_count", labelNames, labelValues, h.count()));
        out.add(new Sample(name + "_sum", labelNames, labelValues, h.sumNanos() / 1e9));
        return out;
    }

    private static List<String> with(List<String> values, String le) {
        List<String> l = new ArrayList<>(values);
        l.add(le);
        return l;
    }
}
