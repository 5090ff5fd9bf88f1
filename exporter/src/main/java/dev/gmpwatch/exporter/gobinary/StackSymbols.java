package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.Machine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a stack unwinder needs to know about a code address, from the pclntab alone (so stripped
 * binaries work): the function, its frame size at that address (the pcsp table), whether the
 * unwind stops there, and the source frames it stands for once inlining is expanded, the way the
 * runtime's own traceback expands them. Addresses are link-time; lookups are cached.
 */
public final class StackSymbols {
    /** The runtime's tables: pcdata 2 is the inline-tree index, funcdata 3 the inline tree. */
    private static final int PCDATA_INL_TREE_INDEX = 2;
    private static final int FUNCDATA_INL_TREE = 3;
    private static final int FLAG_TOP_FRAME = 1;
    private static final int FLAG_SP_WRITE = 2;
    /** Inlining nests at most this deep in practice; more means a corrupt table. */
    private static final int MAX_INLINE_DEPTH = 100;
    private static final int CACHE_LIMIT = 1 << 16;
    /** Where a goroutine's stack ends, for binaries whose _func has no top-frame flag. */
    private static final Set<String> TOP_FRAMES = Set.of("runtime.goexit", "runtime.mstart", "runtime.mstart0",
            "runtime.rt0_go", "runtime.mcall", "runtime.morestack", "runtime.asmcgocall");

    /**
     * One source-level frame: a function, possibly inlined into the physical one.
     *
     * @param pc the link-time address whose position this is (for an inlined call's caller, the
     *           instruction the compiler marked with the call's position)
     */
    public record SourceFrame(String function, String file, int line, long pc, boolean wrapper) {
    }

    /**
     * A physical frame's facts at one address.
     *
     * @param spDelta  bytes the function has pushed at this address, not counting the return address
     * @param frames   source frames, innermost first; the last is the physical function
     */
    public record CodeFrame(String function, long entry, int spDelta, boolean topFrame, boolean spWrite,
            List<SourceFrame> frames) {
    }

    private final ElfFile elf;
    private final Pclntab pcln;
    private final long textStart;
    private final long gofunc;
    private final int wrapperId;
    private final Map<Long, Optional<CodeFrame>> cache = new ConcurrentHashMap<>();

    /** The code's instruction set, which sets how frames are linked. */
    public Machine machine() {
        return elf.machine();
    }

    StackSymbols(ElfFile elf, Pclntab pcln, long textStart, long gofunc, String goVersion) {
        this.elf = elf;
        this.pcln = pcln;
        this.textStart = textStart;
        this.gofunc = gofunc;
        this.wrapperId = wrapperFuncId(GoVersion.minorNumber(goVersion));
    }

    /** The runtime's FuncIDWrapper, the last of its funcID enum, which grew over the versions. */
    static int wrapperFuncId(int minor) {
        if (minor <= 17) {
            return 22;
        }
        if (minor <= 21) {
            return 21;
        }
        return minor <= 24 ? 22 : 23;
    }

    /**
     * The frame at a link-time address. {@code symbolPc} is the address whose source position
     * describes the frame: the return address minus one for a caller, the address itself for the
     * innermost frame of a goroutine that never ran or was interrupted.
     *
     * @throws GoBinaryException when the pclntab entries for the address are corrupt
     */
    public Optional<CodeFrame> at(long pc, long symbolPc) throws GoBinaryException {
        long key = pc ^ (pc == symbolPc ? 0 : Long.MIN_VALUE);
        Optional<CodeFrame> hit = cache.get(key);
        if (hit != null) {
            return hit;
        }
        Optional<CodeFrame> frame;
        try {
            frame = resolve(pc, symbolPc);
        } catch (RuntimeException e) { // a cursor ran off the table: the table is corrupt
            throw new GoBinaryException("corrupt .gopclntab entry for 0x" + Long.toHexString(pc));
        }
        if (cache.size() < CACHE_LIMIT) {
            cache.put(key, frame);
        }
        return frame;
    }

    private Optional<CodeFrame> resolve(long pc, long symbolPc) throws GoBinaryException {
        Optional<Pclntab.Func> found = pcln.func(textStart, pc);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Pclntab.Func f = found.get();
        String name = pcln.name(f);
        List<SourceFrame> frames = new ArrayList<>(2);
        long at = symbolPc;
        int ix = pcln.pcdata(f, PCDATA_INL_TREE_INDEX, at);
        long tree = ix >= 0 ? inlineTree(f) : -1;
        for (int depth = 0; ix >= 0 && tree >= 0; depth++) {
            if (depth >= MAX_INLINE_DEPTH) {
                throw new GoBinaryException("inline tree of " + name + " nests deeper than " + MAX_INLINE_DEPTH);
            }
            InlinedCall call = inlinedCall(tree, ix);
            frames.add(new SourceFrame(printName(call.name), fileOf(f, at), pcln.line(f, at), at, call.funcId == wrapperId));
            at = f.entry() + call.parentPc;
            ix = pcln.pcdata(f, PCDATA_INL_TREE_INDEX, at);
        }
        frames.add(new SourceFrame(printName(name), fileOf(f, at), pcln.line(f, at), at, f.funcID() == wrapperId));
        boolean top = (f.flag() & FLAG_TOP_FRAME) != 0 || TOP_FRAMES.contains(name);
        return Optional.of(new CodeFrame(name, f.entry(), pcln.spDelta(f, pc), top, (f.flag() & FLAG_SP_WRITE) != 0,
                List.copyOf(frames)));
    }

    private String fileOf(Pclntab.Func f, long pc) throws GoBinaryException {
        String file = pcln.file(f, pc);
        return file == null ? "?" : file;
    }

    /** Link-time address of the function's inline tree, or -1. */
    private long inlineTree(Pclntab.Func f) throws GoBinaryException {
        if (pcln.absoluteFuncdata()) {
            long slot = pcln.funcdataSlot(f, FUNCDATA_INL_TREE);
            try {
                long tree = slot < 0 ? 0 : elf.readPointer(slot);
                return tree == 0 ? -1 : tree;
            } catch (ElfFormatException e) {
                throw new GoBinaryException("inline tree pointer of a function is not in the file");
            }
        }
        long off = pcln.funcdata(f, FUNCDATA_INL_TREE);
        if (off < 0) {
            return -1;
        }
        if (gofunc <= 0) {
            throw new GoBinaryException("cannot find go:func.* (moduledata.gofunc) for inline trees");
        }
        return gofunc + off;
    }

    /** Whether the function that starts at this link-time address carries the compiler's wrapper mark. */
    public boolean isWrapper(long entry) throws GoBinaryException {
        Optional<Pclntab.Func> f = pcln.func(textStart, entry);
        return f.isPresent() && f.get().funcID() == wrapperId;
    }

    /** The outermost function inlined at this link-time address (the one called by the physical function), if any. */
    public Optional<String> outermostInlined(long pc) throws GoBinaryException {
        Optional<CodeFrame> f = at(pc, pc);
        if (f.isEmpty() || f.get().frames().size() < 2) {
            return Optional.empty();
        }
        List<SourceFrame> frames = f.get().frames();
        return Optional.of(frames.get(frames.size() - 2).function());
    }

    /**
     * A function's name as the runtime prints it in traces and profiles: a generic function's
     * type arguments become "[...]". Since Go 1.21 the table holds the shape names
     * ("main.f[go.shape.int]"); before, the linker had already written "[...]".
     */
    static String printName(String name) {
        int open = name.indexOf('[');
        int close = name.lastIndexOf(']');
        if (open < 0 || close <= open) {
            return name;
        }
        return name.substring(0, open) + "[...]" + name.substring(close + 1);
    }

    private record InlinedCall(String name, int funcId, int parentPc) {
    }

    /**
     * Entry {@code ix} of an inline tree. Go 1.20+: funcID, 3 pad bytes, nameOff, parentPc,
     * startLine (16 bytes). Before: parent (int16), funcID, pad, file, line, nameOff, parentPc (20).
     */
    private InlinedCall inlinedCall(long tree, int ix) throws GoBinaryException {
        boolean modern = pcln.format() >= 120;
        int size = modern ? 16 : 20;
        ByteBuffer b;
        try {
            b = elf.readAt(tree + (long) ix * size, size).order(ByteOrder.LITTLE_ENDIAN);
        } catch (ElfFormatException e) {
            throw new GoBinaryException("inline tree entry " + ix + " at 0x" + Long.toHexString(tree) + " is not in the file");
        }
        if (b.remaining() < size) {
            throw new GoBinaryException("inline tree entry " + ix + " runs past its section");
        }
        int p = b.position();
        if (modern) {
            return new InlinedCall(pcln.name(b.getInt(p + 4)), b.get(p) & 0xff, b.getInt(p + 8));
        }
        return new InlinedCall(pcln.name(b.getInt(p + 12)), b.get(p + 2) & 0xff, b.getInt(p + 16));
    }
}
