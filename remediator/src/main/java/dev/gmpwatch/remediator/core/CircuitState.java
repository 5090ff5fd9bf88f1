package dev.gmpwatch.remediator.core;

import java.util.Arrays;
import java.util.Locale;

/** A target's circuit: open while the action's effect is in place. A step's target stays closed. */
public enum CircuitState {
    OPEN, CLOSED;

    /** As stored: "open". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static CircuitState of(String label) {
        return Arrays.stream(values()).filter(s -> s.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no circuit state is called " + label));
    }
}
