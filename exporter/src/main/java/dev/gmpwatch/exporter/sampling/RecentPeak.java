package dev.gmpwatch.exporter.sampling;

/**
 * The largest value seen in the last minute, kept in one slot per second so that old peaks age
 * out without storing the samples. Every scraper sees the same peak: nothing resets at a scrape.
 */
final class RecentPeak {
    static final int WINDOW_SECONDS = 60;

    private final long[] second = new long[WINDOW_SECONDS];
    private final long[] max = new long[WINDOW_SECONDS];

    RecentPeak() {
        java.util.Arrays.fill(second, Long.MIN_VALUE);
    }

    void add(long nowSecond, long value) {
        int i = (int) Math.floorMod(nowSecond, (long) WINDOW_SECONDS);
        if (second[i] != nowSecond) {
            second[i] = nowSecond;
            max[i] = value;
        } else if (value > max[i]) {
            max[i] = value;
        }
    }

    /** The peak of the samples taken in the last {@link #WINDOW_SECONDS} seconds; 0 when none. */
    long peak(long nowSecond) {
        long peak = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            if (nowSecond - second[i] < WINDOW_SECONDS && max[i] > peak) {
                peak = max[i];
            }
        }
        return peak;
    }
}
