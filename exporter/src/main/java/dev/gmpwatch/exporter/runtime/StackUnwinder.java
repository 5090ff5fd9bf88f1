package dev.gmpwatch.exporter.runtime;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.StackSymbols;
import dev.gmpwatch.exporter.gobinary.StackSymbols.CodeFrame;
import dev.gmpwatch.exporter.gobinary.StackSymbols.SourceFrame;
import dev.gmpwatch.exporter.runtime.GoroutineStack.Frame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Unwinds one parked goroutine's stack from outside, as the runtime's own traceback does: from the
 * saved PC and SP, each frame's size comes from the pclntab's SP-delta table. On x86-64 the CALL
 * pushed the return address, so it is the word just below the frame's top, which the SP delta
 * does not count. On arm64 BL leaves it in the link register, which the prologue saves at 0(SP);
 * a frame there ends at SP plus the delta. The stack memory is the target's and is
 * untrusted: every address is checked against the goroutine's stack bounds, every step must move
 * up the stack, and depth and bytes are capped.
 */
final class StackUnwinder {
    /** The runtime's largest stack (1 GB on 64-bit); larger bounds mean a torn or corrupt g. */
    static final long MAX_STACK = 1L << 30;
    /** Stack bytes read per read: most parked goroutines use less than this. */
    private static final int CHUNK = 8 * 1024;
    /** Callees after which the caller's PC is where it was interrupted, not a return address. */
    private static final Set<String> TRAP_CALLEES = Set.of("runtime.sigpanic", "runtime.asyncPreempt",
            "runtime.debugCallV2", "runtime.debugCallV1");
    /** Callees that keep the wrappers calling them in the trace, as the runtime does. */
    private static final Set<String> PANIC_CALLEES = Set.of("runtime.gopanic", "runtime.sigpanic", "runtime.panicwrap");

    /** The frames, outermost last, and why the unwind stopped early (null when it reached the goroutine's entry). */
    record Result(List<Frame> frames, String problem) {
    }

    /**
     * On arm64 the signal handler that injects a call to asyncPreempt or sigpanic first pushes 16
     * bytes holding the interrupted function's LR (runtime's sigctxt.pushCall).
     */
    private static final int INJECTED_CALL_SLOT = 16;

    private final StackSymbols symbols;
    private final long loadBias;
    private final int maxFrames;
    private final boolean linkRegister;

    StackUnwinder(StackSymbols symbols, long loadBias, int maxFrames, Machine machine) {
        this.symbols = symbols;
        this.loadBias = loadBias;
        this.maxFrames = maxFrames;
        this.linkRegister = machine == Machine.ARM64;
    }

    /**
     * @param pc0 the saved PC (g.sched.pc, or g.syscallpc in a system call)
     * @param sp0 the saved SP
     * @param lo  the stack's lowest address (g.stack.lo)
     * @param hi  one past its highest (g.stack.hi)
     */
    Result unwind(RemoteMemory mem, long pc0, long sp0, long lo, long hi) {
        StackWindow stack = new StackWindow(mem, lo, hi);
        List<Frame> frames = new ArrayList<>();
        if (lo <= 0 || hi <= lo || hi - lo > MAX_STACK) {
            return new Result(frames, "implausible stack bounds [0x" + Long.toHexString(lo) + ", 0x" + Long.toHexString(hi) + ")");
        }
        long pc = pc0;
        long sp = sp0;
        try {
            if (sp < lo || sp >= hi) {
                return stack.result(frames, "saved SP 0x" + Long.toHexString(sp) + " is outside the goroutine's stack");
            }
            if (pc == 0 && linkRegister) { // the PC would be the saved LR, which is not read
                return stack.result(frames, "no saved PC");
            }
            if (pc == 0) { // the runtime's convention: the PC is on top of the stack
                pc = stack.word(sp);
                sp += 8;
            }
            long savedLr = 0; // an LR the unwind already knows, so not to be read at 0(SP)
            boolean innermost = true;
            boolean trap = false;
            String callee = "";
            while (true) {
                long linkPc = pc - loadBias;
                CodeFrame f = lookup(linkPc, trap);
                if (f == null) {
                    return stack.result(frames, (innermost ? "saved PC 0x" : "return address 0x") + Long.toHexString(pc)
                            + " is not in any function");
                }
                if (f.spDelta() < 0) {
                    return stack.result(frames, "no frame size for " + f.function() + " at 0x" + Long.toHexString(pc));
                }
                long symbolPc = trap || linkPc == f.entry() ? linkPc : linkPc - 1;
                frames.add(new Frame(symbolPc + loadBias + 1, f.function(), f.entry() + loadBias, loadBias, visible(f.frames(), callee)));
                if (f.topFrame()) {
                    return stack.result(frames, null);
                }
                if (frames.size() >= maxFrames) {
                    return stack.result(frames, "deeper than " + maxFrames + " frames");
                }
                if (f.spWrite()) {
                    return stack.result(frames, f.function() + " switches stacks; the unwind cannot follow it");
                }
                long fp = sp + f.spDelta() + (linkRegister ? 0 : 8);
                if (fp > hi) {
                    return stack.result(frames, "the frame of " + f.function() + " runs past the stack's top");
                }
                long lr = linkRegister ? (savedLr != 0 ? savedLr : stack.word(sp)) : stack.word(fp - 8);
                savedLr = 0;
                if (lr == 0) {
                    return stack.result(frames, null);
                }
                trap = TRAP_CALLEES.contains(f.function());
                callee = f.function();
                pc = lr;
                sp = fp;
                if (linkRegister && trap) {
                    long pushed = stack.word(sp);
                    sp += INJECTED_CALL_SLOT;
                    CodeFrame interrupted = lookup(pc - loadBias, true);
                    if (interrupted == null) {
                        pc = pushed;
                    } else if (interrupted.spDelta() == 0) {
                        savedLr = pushed; // interrupted before its prologue, or in a frameless function
                    }
                }
                innermost = false;
            }
        } catch (GoBinaryException | SnapshotException e) {
            return stack.result(frames, e.getMessage());
        }
    }

    private CodeFrame lookup(long linkPc, boolean trap) throws GoBinaryException {
        // The source position of a caller is that of its call instruction, just before the return address.
        var probe = symbols.at(linkPc, linkPc);
        if (probe.isEmpty()) {
            return null;
        }
        long symbolPc = trap || linkPc == probe.get().entry() ? linkPc : linkPc - 1;
        return symbolPc == linkPc ? probe.get() : symbols.at(linkPc, symbolPc).orElse(null);
    }

    /** The runtime hides compiler wrappers from traces, except just above a panic. */
    private static List<SourceFrame> visible(List<SourceFrame> lines, String callee) {
        boolean keepWrappers = PANIC_CALLEES.contains(callee);
        if (keepWrappers || lines.stream().noneMatch(SourceFrame::wrapper)) {
            return lines;
        }
        return lines.stream().filter(l -> !l.wrapper()).toList();
    }

    /** The goroutine's stack, read in chunks as the unwind climbs it. */
    private static final class StackWindow {
        private final RemoteMemory mem;
        private final long lo;
        private final long hi;
        private long base = -1;
        private ByteBuffer chunk;

        StackWindow(RemoteMemory mem, long lo, long hi) {
            this.mem = mem;
            this.lo = lo;
            this.hi = hi;
        }

        long word(long addr) throws SnapshotException {
            if (addr < lo || addr + 8 > hi) {
                throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE,
                        "stack word 0x" + Long.toHexString(addr) + " is outside the goroutine's stack");
            }
            if (base < 0 || addr < base || addr + 8 > base + chunk.limit()) {
                int len = (int) Math.min(CHUNK, hi - addr);
                chunk = mem.read(addr, len).order(ByteOrder.LITTLE_ENDIAN);
                base = addr;
            }
            return chunk.getLong((int) (addr - base));
        }

        Result result(List<Frame> frames, String problem) {
            return new Result(List.copyOf(frames), problem);
        }
    }
}
