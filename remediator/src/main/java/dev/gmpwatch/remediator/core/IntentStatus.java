package dev.gmpwatch.remediator.core;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where a queued intent is: waiting, claimed by an executor, or finished: done, failed, refused,
 * or dropped (its policy or target no longer exists).
 */
public enum IntentStatus {
    PENDING, RUNNING, DONE, FAILED, REFUSED, DROPPED;

    /** As stored and served: "pending". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static IntentStatus of(String label) {
        return Arrays.stream(values()).filter(s -> s.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no intent status is called " + label));
    }
}
