package dev.gmpwatch.exporter.sampling;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counters about the exporter itself, updated by the sampler and the per-event collector. */
public final class SelfMetrics {
    private final AtomicLong memoryBytesRead = new AtomicLong();
    private final AtomicLong scrapeErrors = new AtomicLong();
    private final AtomicLong tornReads = new AtomicLong();
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

    /** The counters at one moment, as plain values for a pure renderer. */
    public record Snapshot(Map<String, Long> snapshotErrors, Map<String, Long> walks, long tornReads, long memoryBytesRead,
                           long scrapeErrors) {
    }

    public Snapshot snapshot() {
        return new Snapshot(copy(snapshotErrors), copy(walks), tornReads.get(), memoryBytesRead.get(), scrapeErrors.get());
    }

    void tornRead() {
        tornReads.incrementAndGet();
    }

    /** A per-process read outside the sampler (the probe maps) failed. */
    public void scrapeFailed() {
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

    private static Map<String, Long> copy(Map<String, AtomicLong> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
