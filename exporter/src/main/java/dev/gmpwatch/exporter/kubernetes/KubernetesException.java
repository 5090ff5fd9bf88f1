package dev.gmpwatch.exporter.kubernetes;

/** The Kubernetes API cannot be used as configured: a one-line reason for the operator. */
public final class KubernetesException extends Exception {
    private static final long serialVersionUID = 1L;

    public KubernetesException(String message) {
        super(message);
    }
}
