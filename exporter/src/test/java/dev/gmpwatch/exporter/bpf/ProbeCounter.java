package dev.gmpwatch.exporter.bpf;

import dev.gmpwatch.exporter.gobinary.HookedFunction;
import java.nio.ByteBuffer;

/**
 * Counts calls at chosen probe sites with bpf/probe_counter.bpf.c: one slot per site, summed
 * over CPUs. At a stack-check JBE it counts only the not-taken pass, so calls that grow the stack
 * are counted once.
 */
public final class ProbeCounter implements AutoCloseable {
    /** Mirrors PROBE_COUNTER_SLOTS and PROBE_COOKIE_STACK_CHECK_JBE in bpf/probe_counter.h. */
    public static final int SLOTS = 64;
    static final long COOKIE_STACK_CHECK_JBE = 1L << 32;
    /** sizeof(struct probe_count). */
    static final int VALUE_SIZE = 16;

    /** Calls counted, and passes of a stack-check JBE that went to morestack. */
    public record Count(long calls, long morestackPasses) {
    }

    private final BpfObject object;
    private final BpfProgram program;
    private final BpfMap counts;

    public ProbeCounter() throws BpfOpenException, BpfLoadException {
        this.object = BpfObject.loadResource("/bpf/probe_counter.bpf.o");
        this.program = object.program("count_call");
        this.counts = object.map("counts");
    }

    /** Attaches a counter for one function of one process into {@code slot}. */
    public BpfLink attach(int slot, int pid, String binaryPath, HookedFunction f) throws BpfAttachException {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be in 0.." + (SLOTS - 1));
        }
        long cookie = slot | (f.stackCheckBranch() ? COOKIE_STACK_CHECK_JBE : 0);
        return program.attachUprobe(pid, binaryPath, f.probeOffset(), cookie);
    }

    public Count read(int slot) throws BpfMapException {
        ByteBuffer perCpu = counts.lookupPerCpu(slot, VALUE_SIZE);
        long calls = 0;
        long morestack = 0;
        for (int off = 0; off + VALUE_SIZE <= perCpu.capacity(); off += VALUE_SIZE) {
            calls += perCpu.getLong(off);
            morestack += perCpu.getLong(off + 8);
        }
        return new Count(calls, morestack);
    }

    @Override
    public void close() {
        object.close();
    }
}
