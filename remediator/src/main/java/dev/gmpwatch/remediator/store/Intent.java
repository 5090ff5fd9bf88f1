package dev.gmpwatch.remediator.store;

/** A queued side effect: open or close the circuit of a target. */
public record Intent(long id, String target, String op, String policy, String fingerprint, String labels) {
    public static final String OPEN = "open";
    public static final String CLOSE = "close";
}
