package dev.gmpwatch.remediator.core;

/** One line of the audit log. {@code labels} is the alert's labels as JSON. */
public record AuditEntry(long id, long at, String fingerprint, String labels, String policy, String action,
                         String target, Decision decision, String result) {
}
