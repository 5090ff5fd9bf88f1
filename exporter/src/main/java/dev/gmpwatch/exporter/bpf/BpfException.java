package dev.gmpwatch.exporter.bpf;

/** A libbpf call failed. Carries errno and its text; subclasses say which kind of call. */
public abstract class BpfException extends Exception {
    private final int errno;
    private final String strerror;

    BpfException(String what, int errno) {
        super(what + ": " + Native.strerror(Math.abs(errno)) + " (errno " + Math.abs(errno) + ")");
        this.errno = Math.abs(errno);
        this.strerror = Native.strerror(this.errno);
    }

    public int errno() {
        return errno;
    }

    public String strerror() {
        return strerror;
    }
}
