package dev.gmpwatch.exporter.bpf;

/** The kernel refused to load a BPF object; the verifier log says why. */
public final class BpfLoadException extends BpfException {
    private final String verifierLog;

    BpfLoadException(String what, int errno, String verifierLog) {
        super(what, errno);
        this.verifierLog = verifierLog;
    }

    /** What libbpf printed during the load, including the kernel verifier's log. */
    public String verifierLog() {
        return verifierLog;
    }
}
