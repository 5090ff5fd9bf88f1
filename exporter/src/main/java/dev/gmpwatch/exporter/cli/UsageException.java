package dev.gmpwatch.exporter.cli;

/** Bad command-line input; the message is one line for the user. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
