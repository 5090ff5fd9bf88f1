package dev.gmpwatch.exporter.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;

/** One program of a loaded {@link BpfObject}. */
public final class BpfProgram {
    /** Attach in every process that maps the binary. */
    public static final int ALL_PROCESSES = -1;

    private final BpfObject owner;
    private final Pointer prog;
    private final String name;

    BpfProgram(BpfObject owner, Pointer prog, String name) {
        this.owner = owner;
        this.prog = prog;
        this.name = name;
    }

    /**
     * Attaches a uprobe at a file offset of a binary.
     *
     * @param pid        the only process it fires in, or {@link #ALL_PROCESSES}
     * @param fileOffset file offset of the probed instruction (not a virtual address)
     * @param cookie     value the program reads with bpf_get_attach_cookie()
     */
    public BpfLink attachUprobe(int pid, String binaryPath, long fileOffset, long cookie) throws BpfAttachException {
        UprobeOptions opts = new UprobeOptions(Native.runtime(), cookie);
        Pointer optsPtr = Struct.getMemory(opts);
        Pointer link = owner.lib().bpf_program__attach_uprobe_opts(prog, pid, binaryPath, fileOffset, optsPtr);
        if (link == null) {
            throw new BpfAttachException(String.format("attach %s to %s+0x%x (pid %s)", name, binaryPath, fileOffset,
                    pid == ALL_PROCESSES ? "all" : Integer.toString(pid)), Native.lastErrno());
        }
        BpfLink l = new BpfLink(owner, link);
        owner.track(l);
        return l;
    }

    /** Attaches where the program's section says (a tp_btf program to its tracepoint). */
    public BpfLink attach() throws BpfAttachException {
        Pointer link = owner.lib().bpf_program__attach(prog);
        if (link == null) {
            throw new BpfAttachException("attach " + name, Native.lastErrno());
        }
        BpfLink l = new BpfLink(owner, link);
        owner.track(l);
        return l;
    }

    public String name() {
        return name;
    }
}
