package dev.gmpwatch.remediator.core;

/** An alert label cannot be used in a target: missing, or not a plain name. */
public final class UnsafeLabelException extends Exception {
    public UnsafeLabelException(String message) {
        super(message);
    }
}
