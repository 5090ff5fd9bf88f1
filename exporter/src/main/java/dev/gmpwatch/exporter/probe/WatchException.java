package dev.gmpwatch.exporter.probe;

/** A process cannot be watched; the message is one line for the log and target_info. */
public final class WatchException extends Exception {
    public WatchException(String message) {
        super(message);
    }
}
