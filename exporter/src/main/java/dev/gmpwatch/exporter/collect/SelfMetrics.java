package dev.gmpwatch.exporter.collect;

import java.util.concurrent.atomic.AtomicLong;

/** Counters about the exporter itself, updated by the watcher. */
public final class SelfMetrics {
    final AtomicLong attachErrors = new AtomicLong();
    final AtomicLong targetsSeen = new AtomicLong();

    public void attachFailed() {
        attachErrors.incrementAndGet();
    }

    public void targetWatched() {
        targetsSeen.incrementAndGet();
    }
}
