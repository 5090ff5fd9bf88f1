package dev.gmpwatch.exporter.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The guards that keep served counters monotonic across torn reads and Ps that come and go. */
class CountersTest {
    @Test
    void monotonicNeverGoesBack() {
        StateSampler.Monotonic m = new StateSampler.Monotonic();
        m.update(100);
        m.update(97); // a torn read
        assertEquals(100, m.value());
        m.update(150);
        assertEquals(150, m.value());
    }

    @Test
    void ticksAddEachPsAdvanceAcrossWrapsAndNewPs() {
        StateSampler.TickCounter t = new StateSampler.TickCounter();
        t.update(0, 1000);
        t.update(1, 10);
        assertEquals(1010, t.total(), "the first reading counts from 0");
        t.update(0, 1500);
        assertEquals(1510, t.total());
        t.update(1, 0x7000_0000L); // a P ticks far less than 2^31 times between two scrapes
        t.update(1, 0xe000_0000L);
        t.update(1, 0xffff_fff0L);
        t.update(1, 0x10); // the uint32 wrapped: 0x20 ticks
        assertEquals(1510 + (0xffff_fff0L - 10) + 0x20, t.total());
        long before = t.total();
        t.update(0, 3); // far "behind": a new P that starts from 0, not a wrap of 4 billion ticks
        assertEquals(before + 3, t.total());
        t.update(2, 7); // GOMAXPROCS grew
        assertEquals(before + 10, t.total());
    }
}
