package dev.gmpwatch.exporter.bpf;

/** libbpf could not parse a BPF object file. */
public final class BpfOpenException extends BpfException {
    BpfOpenException(String what, int errno) {
        super(what, errno);
    }
}
