package dev.gmpwatch.remediator.core;

/** One line of the audit log. {@code labels} is the alert's labels as JSON. */
public record AuditEntry(long id, long at, String fingerprint, String labels, String policy, String action,
                         String target, String decision, String result) {
    public static final String EXECUTED = "executed";
    public static final String SKIPPED_DUPLICATE = "skipped-duplicate";
    public static final String SKIPPED_RATE_LIMITED = "skipped-rate-limited";
    public static final String SKIPPED_HYSTERESIS = "skipped-hysteresis";
    /** The lever's API refused the action to our credentials (Kubernetes RBAC): not retried. */
    public static final String SKIPPED_FORBIDDEN = "skipped-forbidden";
    public static final String DRY_RUN = "dry-run";
    public static final String FAILED = "failed";
    /** The target could not be reached; the intent runs again after a backoff. */
    public static final String RETRYING = "retrying";
}
