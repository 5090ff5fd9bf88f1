package dev.gmpwatch.exporter.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The sampler's histograms and peaks, without a process. */
class RunQueueHistogramsTest {
    @Test
    void aDepthCountsInTheFirstBucketThatHoldsItAndBucketsAreCumulative() {
        DepthCounts c = new DepthCounts(0, 1, 4, 16);
        for (long d : new long[] {0, 0, 1, 3, 4, 5, 16, 17, 1000}) {
            c.add(d);
        }
        DepthHistogram h = c.snapshot();
        assertEquals(List.of(0L, 1L, 4L, 16L), h.edges());
        assertEquals(List.of(2L, 3L, 5L, 7L), h.cumulative());
        assertEquals(9, h.count(), "past the last edge: only in +Inf");
        assertEquals(0 + 0 + 1 + 3 + 4 + 5 + 16 + 17 + 1000, h.sum());
    }

    @Test
    void aPeakAgesOutAfterAMinuteWhateverScrapesMeanwhile() {
        RecentPeak p = new RecentPeak();
        assertEquals(0, p.peak(100), "nothing sampled");
        p.add(100, 700);
        p.add(100, 3);
        p.add(130, 20);
        assertEquals(700, p.peak(130));
        assertEquals(700, p.peak(130), "reading it resets nothing");
        assertEquals(700, p.peak(159));
        assertEquals(20, p.peak(160), "the burst at second 100 is over a minute old");
        p.add(190, 5); // lands in the slot of second 130, which it replaces
        assertEquals(5, p.peak(190));
        assertEquals(0, p.peak(250));
    }
}
