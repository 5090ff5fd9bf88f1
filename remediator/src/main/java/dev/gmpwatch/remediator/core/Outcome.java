package dev.gmpwatch.remediator.core;


/** What running an intent came to: the audit decision and a one-line result. */
public record Outcome(Decision decision, String detail) {
    /** The target is in the wanted state, verified (also when it already was: reconciled). */
    public static Outcome done(String detail) {
        return new Outcome(Decision.EXECUTED, detail);
    }

    /** A guard refused at run time; nothing was changed. */
    public static Outcome refused(Refusal r) {
        return new Outcome(r.decision(), r.reason());
    }

    /** A permanent failure: retrying would not help (a missing server, a refused command). */
    public static Outcome failed(String detail) {
        return new Outcome(Decision.FAILED, detail);
    }

    public boolean done() {
        return decision == Decision.EXECUTED;
    }
}
