package dev.gmpwatch.exporter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stuck history over recorded walks with an injected clock: what reaches 10 m and 1 h, what a
 * goroutine that runs between walks looks like, and the memory bounds.
 */
class StuckHistoryTest {
    private static final long MIN = 60_000_000_000L;
    private static final long T0 = 5_000_000_000_000L;

    /** One walk at {@code t}: every goroutine with its fingerprint; returns each one's age in minutes. */
    private static Map<Long, Double> walk(StuckHistory h, long t, Map<Long, Integer> prints) {
        Map<Long, Double> ages = new HashMap<>();
        h.beginWalk(t);
        prints.forEach((goid, print) -> {
            long since = h.observe(goid, print);
            ages.put(goid, since < 0 ? -1 : (t - since) / (double) MIN);
        });
        h.endWalk();
        return ages;
    }

    @Test
    void aGoroutineUnchangedAcrossWalksAgesToTenMinutesAndAnHour() {
        StuckHistory h = new StuckHistory(1000, T0);
        int leaked = StuckHistory.fingerprint(0xc000123f00L, 0x43a1b2L, 7, 42);
        Map<Long, Double> ages = Map.of();
        int worker = 0;
        // A walk every 15 s for 61 minutes: goroutine 1 never runs, goroutine 2 runs between every two walks.
        for (long t = T0; t <= T0 + 61 * MIN; t += MIN / 4) {
            worker++;
            ages = walk(h, t, Map.of(1L, leaked, 2L, StuckHistory.fingerprint(0xc000200000L, 0x43a1b2L, 7, worker & 0xff)));
            if (t == T0 + 11 * MIN) {
                assertEquals(11.0, ages.get(1L), 0.01, "past 10 m at 11 m");
            }
        }
        assertEquals(61.0, ages.get(1L), 0.01, "past 1 h at 61 m");
        assertEquals(0.0, ages.get(2L), 0.01, "a goroutine that ran since the last walk is not stuck");
        assertEquals(2, h.size());
    }

    @Test
    void aGoroutineThatRanOrEndedStartsAgainFromZero() {
        StuckHistory h = new StuckHistory(1000, T0);
        int parked = StuckHistory.fingerprint(1, 2, 3, 4);
        walk(h, T0, Map.of(7L, parked));
        walk(h, T0 + 5 * MIN, Map.of()); // not waiting in this walk: it ran
        assertEquals(0.0, walk(h, T0 + 10 * MIN, Map.of(7L, parked)).get(7L), 0.01, "forgotten while it was not waiting");
        assertEquals(5.0, walk(h, T0 + 15 * MIN, Map.of(7L, parked)).get(7L), 0.01);
        assertEquals(0.0, walk(h, T0 + 20 * MIN, Map.of(7L, StuckHistory.fingerprint(1, 2, 3, 5))).get(7L), 0.01,
                "one transition out of running moves trackingSeq");
    }

    @Test
    void theFingerprintSeesEveryFieldButTrackingSeqOnlyModulo256() {
        int base = StuckHistory.fingerprint(0xc000010000L, 0x401000L, 2, 10);
        assertNotEquals(base, StuckHistory.fingerprint(0xc000010008L, 0x401000L, 2, 10), "another SP");
        assertNotEquals(base, StuckHistory.fingerprint(0xc000010000L, 0x401001L, 2, 10), "another PC");
        assertNotEquals(base, StuckHistory.fingerprint(0xc000010000L, 0x401000L, 3, 10), "another wait reason");
        assertNotEquals(base, StuckHistory.fingerprint(0xc000010000L, 0x401000L, 2, 11), "ran once");
        assertEquals(base, StuckHistory.fingerprint(0xc000010000L, 0x401000L, 2, (10 + 256) & 0xff),
                "256 runs between two walks look like none: the documented bound");
    }

    @Test
    void theCapBoundsWhatIsTrackedAndCountsTheRest() {
        StuckHistory h = new StuckHistory(3, T0);
        Map<Long, Integer> five = new HashMap<>();
        for (long g = 1; g <= 5; g++) {
            five.put(g, (int) g);
        }
        Map<Long, Double> ages = walk(h, T0, five);
        assertEquals(3, h.size());
        assertEquals(2, h.untracked());
        assertEquals(2, ages.values().stream().filter(a -> a < 0).count(), "the untracked have no age");
    }

    @Test
    void memoryFollowsTheLargestRecentWalkAndShrinksAfterABurst() {
        StuckHistory h = new StuckHistory(1_000_000, T0);
        Map<Long, Integer> burst = new HashMap<>();
        for (long g = 1; g <= 100_000; g++) {
            burst.put(g, 1);
        }
        walk(h, T0, burst);
        long big = h.bytes();
        assertTrue(big <= 100_000L * 64 * 2, "at most 64 bytes a goroutine, with the tables' doubling: " + big);
        walk(h, T0 + MIN, Map.of(1L, 1));
        walk(h, T0 + 2 * MIN, Map.of(1L, 1));
        assertTrue(h.bytes() < big / 4, "shrinks once the burst is gone: " + h.bytes() + " of " + big);
    }
}
