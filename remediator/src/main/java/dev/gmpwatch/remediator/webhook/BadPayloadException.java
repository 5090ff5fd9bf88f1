package dev.gmpwatch.remediator.webhook;

/** A webhook body the remediator will not act on; the message is the 400's one-line reason. */
public final class BadPayloadException extends Exception {
    public BadPayloadException(String message) {
        super(message);
    }
}
