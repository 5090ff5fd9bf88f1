package dev.gmpwatch.exporter.bpf;

/** A BPF map lookup or update failed. */
public final class BpfMapException extends BpfException {
    BpfMapException(String what, int errno) {
        super(what, errno);
    }
}
