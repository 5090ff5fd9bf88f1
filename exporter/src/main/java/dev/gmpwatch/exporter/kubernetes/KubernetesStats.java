package dev.gmpwatch.exporter.kubernetes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** What the pod watch has done, for the exporter's self-metrics. */
public final class KubernetesStats {
    static final String UNREACHABLE = "unreachable";
    static final String UNAUTHORIZED = "unauthorized";
    static final String FORBIDDEN = "forbidden";
    static final String BAD_RESPONSE = "bad_response";

    private final Map<String, AtomicLong> errors = new LinkedHashMap<>();
    private final AtomicLong lists = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private volatile boolean up;

    public KubernetesStats() {
        for (String r : new String[] {UNREACHABLE, UNAUTHORIZED, FORBIDDEN, BAD_RESPONSE}) {
            errors.put(r, new AtomicLong());
        }
    }

    /** Counts a failed request; true the first time this reason is seen (so it is logged once). */
    boolean failed(String reason) {
        return errors.get(reason).incrementAndGet() == 1;
    }

    void listed() {
        lists.incrementAndGet();
    }

    void event() {
        events.incrementAndGet();
    }

    void up(boolean connected) {
        up = connected;
    }

    public Map<String, Long> errors() {
        Map<String, Long> out = new LinkedHashMap<>();
        errors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long lists() {
        return lists.get();
    }

    public long events() {
        return events.get();
    }

    public boolean up() {
        return up;
    }
}
