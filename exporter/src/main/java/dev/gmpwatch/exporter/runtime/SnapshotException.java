package dev.gmpwatch.exporter.runtime;

/**
 * A process's runtime state could not be read. The reason is one line for the log; the kind is a
 * bounded label value for the self-metric.
 */
public final class SnapshotException extends Exception {
    /** Why a snapshot failed, as a label value. */
    public enum Kind {
        UNSUPPORTED, GONE, UNREADABLE, IMPLAUSIBLE;

        public String label() {
            return name().toLowerCase();
        }
    }

    private final Kind kind;

    public SnapshotException(Kind kind, String reason) {
        super(reason);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
