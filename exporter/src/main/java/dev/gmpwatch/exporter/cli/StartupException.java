package dev.gmpwatch.exporter.cli;

/** A start-up step failed for a reason the user can fix: exit 1 with this one line. */
final class StartupException extends Exception {
    StartupException(String message) {
        super(message);
    }
}
