package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.core.Outcome;

/** A lever's definite answer that ends the step: refused (Forbidden) or failed (invalid); never retried. */
public final class LeverException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Outcome outcome;

    public LeverException(Outcome outcome) {
        super(outcome.detail());
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}
