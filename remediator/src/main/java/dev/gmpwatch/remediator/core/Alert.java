package dev.gmpwatch.remediator.core;

import java.util.Map;

/** One alert of an Alertmanager v4 notification. */
public record Alert(String status, Map<String, String> labels, String startsAt, String fingerprint) {
    public boolean firing() {
        return status.equals("firing");
    }
}
