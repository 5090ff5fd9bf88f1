package dev.gmpwatch.remediator.core;

/** An intent not finished yet, as /api/v1/state shows it. */
public record PendingIntent(long id, String target, String op, String policy, IntentStatus status, int attempts, long notBefore,
                            String lastError, long createdAt) {
}
