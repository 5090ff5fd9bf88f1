package dev.gmpwatch.exporter.gobinary;

/** The file is an ELF but not a Go binary we can analyse; the message is one line for the user. */
public final class GoBinaryException extends Exception {
    private final boolean notGo;

    public GoBinaryException(String message) {
        this(message, false);
    }

    private GoBinaryException(String message, boolean notGo) {
        super(message);
        this.notGo = notGo;
    }

    /** The file has no sign of the Go toolchain at all (as opposed to a Go binary we cannot read). */
    public static GoBinaryException notGo(String why) {
        return new GoBinaryException("not a Go binary (" + why + ")", true);
    }

    /** The same failure, its message prefixed with the file it is about. */
    public GoBinaryException about(Object file) {
        return new GoBinaryException(file + ": " + getMessage(), notGo);
    }

    public boolean notGo() {
        return notGo;
    }
}
