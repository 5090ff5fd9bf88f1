package dev.gmpwatch.exporter.bpf;

/** libbpf itself cannot be loaded on this machine. */
public final class BpfUnavailableException extends RuntimeException {
    BpfUnavailableException(String message) {
        super(message);
    }
}
