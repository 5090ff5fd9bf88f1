package dev.gmpwatch.exporter.collect;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counters about the exporter itself, updated by the watcher and the sampler. */
public final class SelfMetrics {
    final AtomicLong memoryBytesRead = new AtomicLong();
    final AtomicLong scrapeErrors = new AtomicLong();
    final AtomicLong tornReads = new AtomicLong();
    private final Map<String, AtomicLong> snapshotErrors = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> walks = new ConcurrentHashMap<>();

    public SelfMetrics() {
        for (String kind : new String[] {"unsupported", "gone", "unreadable", "implausible"}) {
            snapshotErrors.put(kind, new AtomicLong());
        }
        for (String result : new String[] {"complete", "capped", "skipped"}) {
            walks.put(result, new AtomicLong());
        }
    }

    void tornRead() {
        tornReads.incrementAndGet();
    }

    void scrapeFailed() {
        scrapeErrors.incrementAndGet();
    }

    void snapshotFailed(String kind) {
        scrapeFailed();
        snapshotErrors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    void walked(String result) {
        walks.computeIfAbsent(result, k -> new AtomicLong()).incrementAndGet();
    }

    void bytesRead(long n) {
        memoryBytesRead.addAndGet(n);
    }

    Map<String, Long> snapshotErrors() {
        return copy(snapshotErrors);
    }

    Map<String, Long> walks() {
        return copy(walks);
    }

    private static Map<String, Long> copy(Map<String, AtomicLong> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
