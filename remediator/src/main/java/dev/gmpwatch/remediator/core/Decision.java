package dev.gmpwatch.remediator.core;

import java.util.Arrays;

/** What was decided about one alert and one policy, as the audit log, the API and the metrics name it. */
public enum Decision {
    /** The action was queued; the executor audits what running it came to. */
    QUEUED("queued"),
    EXECUTED("executed"),
    SKIPPED_DUPLICATE("skipped-duplicate"),
    SKIPPED_RATE_LIMITED("skipped-rate-limited"),
    SKIPPED_HYSTERESIS("skipped-hysteresis"),
    /** The lever's API refused the action to our credentials (Kubernetes RBAC): not retried. */
    SKIPPED_FORBIDDEN("skipped-forbidden"),
    DRY_RUN("dry-run"),
    FAILED("failed"),
    /** The target could not be reached; the intent runs again after a backoff. */
    RETRYING("retrying");

    private final String label;

    Decision(String label) {
        this.label = label;
    }

    /** As stored and served: "skipped-duplicate". */
    public String label() {
        return label;
    }

    public static Decision of(String label) {
        return Arrays.stream(values()).filter(d -> d.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no decision is called " + label));
    }

    /** The action result it counts as in gmpwatch_remediator_actions_total: ok, dry-run, failed or refused. */
    public String result() {
        return switch (this) {
            case EXECUTED -> "ok";
            case DRY_RUN -> "dry-run";
            case FAILED -> "failed";
            default -> "refused";
        };
    }

    /** The status the intent ends in, after its run came to this. */
    public IntentStatus finalStatus() {
        return switch (this) {
            case EXECUTED, DRY_RUN -> IntentStatus.DONE;
            case FAILED -> IntentStatus.FAILED;
            default -> IntentStatus.REFUSED;
        };
    }
}
