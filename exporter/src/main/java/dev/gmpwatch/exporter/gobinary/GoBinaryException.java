package dev.gmpwatch.exporter.gobinary;

/** The file is an ELF but not a Go binary we can analyse; the message is one line for the user. */
public final class GoBinaryException extends Exception {
    public GoBinaryException(String message) {
        super(message);
    }
}
