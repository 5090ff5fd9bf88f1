package dev.gmpwatch.exporter.bpf;

/** A uprobe could not be attached. {@link #hint()} suggests the usual cause for the errno. */
public final class BpfAttachException extends BpfException {
    private static final int EPERM = 1;
    private static final int ENOENT = 2;
    private static final int ESRCH = 3;
    private static final int EACCES = 13;
    private static final int EINVAL = 22;

    private final String hint;

    BpfAttachException(String what, int errno) {
        super(what, errno);
        this.hint = hintFor(Math.abs(errno));
    }

    public String hint() {
        return hint;
    }

    @Override
    public String getMessage() {
        return hint.isEmpty() ? super.getMessage() : super.getMessage() + "; " + hint;
    }

    static String hintFor(int errno) {
        return switch (errno) {
            case EPERM, EACCES -> "run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE";
            case ENOENT -> "the binary is gone, or the kernel lacks uprobe support (CONFIG_UPROBE_EVENTS)";
            case ESRCH -> "the process has exited";
            case EINVAL -> "the offset is past the end of the file or not an instruction the kernel can probe";
            default -> "";
        };
    }
}
