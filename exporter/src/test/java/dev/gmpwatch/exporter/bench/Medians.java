package dev.gmpwatch.exporter.bench;

import java.util.Arrays;

/** The median of a benchmark's interleaved rounds. */
final class Medians {
    private Medians() {
    }

    static double of(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
