package dev.gmpwatch.remediator.core;

/** The store cannot be read or written; the webhook answers 503 so that Alertmanager retries. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
