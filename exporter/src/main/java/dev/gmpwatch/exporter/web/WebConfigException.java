package dev.gmpwatch.exporter.web;

/** An invalid web configuration, with a one-line reason that names the file and the key. */
public final class WebConfigException extends Exception {
    public WebConfigException(String message) {
        super(message);
    }
}
