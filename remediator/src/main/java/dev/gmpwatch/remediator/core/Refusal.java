package dev.gmpwatch.remediator.core;


/** Why an action was not taken, with the audit decision it is recorded as. */
public record Refusal(Decision decision, String reason) {
    /** A cap, a bound or a rate: the action would do too much. */
    public static Refusal limit(String reason) {
        return new Refusal(Decision.SKIPPED_RATE_LIMITED, reason);
    }

    /** Our credentials may not do it (an RBAC Forbidden): retrying would not help. */
    public static Refusal forbidden(String reason) {
        return new Refusal(Decision.SKIPPED_FORBIDDEN, reason);
    }

    /** A hysteresis guard: the target is frozen, or flapping, or in a minimum interval. */
    public static Refusal guard(String reason) {
        return new Refusal(Decision.SKIPPED_HYSTERESIS, reason);
    }
}
