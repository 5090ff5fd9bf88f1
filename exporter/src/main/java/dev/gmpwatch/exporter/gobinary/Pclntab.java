package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.CString;
import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSection;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Go's function table (.gopclntab), which survives stripping. Formats: Go 1.16-1.17 (absolute
 * entries), Go 1.18-1.19 and Go 1.20+ (entries as 32-bit offsets from runtime.text). The text
 * start comes from the header up to Go 1.25; Go 1.26 leaves it zero, see {@link TextStart}.
 */
public final class Pclntab {
    static final int MAGIC_GO116 = 0xfffffffa;
    static final int MAGIC_GO118 = 0xfffffff0;
    static final int MAGIC_GO120 = 0xfffffff1;

    private final ByteBuffer data;
    private final long address;
    private final int magic;
    private final int nfunc;
    private final long headerTextStart;
    private final long funcnameOffset;
    private final long cuOffset;
    private final long filetabOffset;
    private final long pctabOffset;
    private final long pclnOffset;
    private final int minLC;

    private Pclntab(ByteBuffer data, long address) throws GoBinaryException {
        this.data = data;
        this.address = address;
        if (data.capacity() < 72) {
            throw new GoBinaryException(".gopclntab is truncated");
        }
        this.magic = data.getInt(0);
        if (magic != MAGIC_GO116 && magic != MAGIC_GO118 && magic != MAGIC_GO120) {
            throw new GoBinaryException(String.format("unsupported .gopclntab format (magic 0x%08x); Go 1.16 or later is required", magic));
        }
        if (data.get(7) != 8) {
            throw new GoBinaryException(".gopclntab is not for a 64-bit target");
        }
        long n = data.getLong(8);
        if (n < 0 || n > 10_000_000) {
            throw new GoBinaryException(".gopclntab has an implausible function count " + n);
        }
        this.nfunc = (int) n;
        if ((n + 1) * (magic == MAGIC_GO116 ? 16 : 8) > data.capacity()) {
            throw new GoBinaryException(".gopclntab claims " + n + " functions, more than it can hold");
        }
        int base = magic == MAGIC_GO116 ? 24 : 32; // Go 1.18 added textStart before the offsets
        headerTextStart = magic == MAGIC_GO116 ? 0 : data.getLong(24);
        funcnameOffset = data.getLong(base);
        cuOffset = data.getLong(base + 8);
        filetabOffset = data.getLong(base + 16);
        pctabOffset = data.getLong(base + 24);
        pclnOffset = data.getLong(base + 32);
        minLC = Math.max(1, data.get(6));
        if (funcnameOffset <= 0 || funcnameOffset >= data.capacity() || pclnOffset <= 0 || pclnOffset >= data.capacity()) {
            throw new GoBinaryException(".gopclntab header offsets lie outside the table");
        }
    }

    public static Pclntab read(ElfFile elf) throws GoBinaryException, ElfFormatException {
        // Go before 1.21 names it .data.rel.ro.gopclntab in PIE builds.
        ElfSection s = elf.section(".gopclntab").or(() -> elf.section(".data.rel.ro.gopclntab"))
                .orElseThrow(() -> GoBinaryException.notGo("no .gopclntab section"));
        return new Pclntab(elf.sectionData(s), s.address());
    }

    /** Virtual address of the table (the runtime's pcHeader). */
    public long address() {
        return address;
    }

    /** Offset of funcnametab from the header; with {@link #address()} it identifies moduledata. */
    public long funcnameOffset() {
        return funcnameOffset;
    }

    /** The text start recorded in the header, or 0 (Go 1.16-1.17 and Go 1.26+ do not record it). */
    public long headerTextStart() {
        return headerTextStart;
    }

    /** Entry offset of the first function from runtime.text (0 for the 1.16 format). */
    public long firstEntryOffset() throws GoBinaryException {
        return magic == MAGIC_GO116 ? 0 : Integer.toUnsignedLong(data.getInt(checked(pclnOffset, 4)));
    }

    public boolean hasAbsoluteEntries() {
        return magic == MAGIC_GO116;
    }

    /** Every function, sorted by entry, with its end taken from the next entry. */
    public List<GoFunction> functions(long textStart) throws GoBinaryException {
        List<GoFunction> out = new ArrayList<>(nfunc);
        int entrySize = magic == MAGIC_GO116 ? 16 : 8;
        for (int i = 0; i < nfunc; i++) {
            long at = pclnOffset + (long) i * entrySize;
            long entry = entryAt(at, textStart);
            long end = entryAt(at + entrySize, textStart);
            long funcOff = magic == MAGIC_GO116 ? data.getLong(checked(at + 8, 8)) : Integer.toUnsignedLong(data.getInt(checked(at + 4, 4)));
            long funcStruct = pclnOffset + funcOff;
            int nameOff = data.getInt(checked(funcStruct + (magic == MAGIC_GO116 ? 8 : 4), 4));
            out.add(new GoFunction(name(nameOff), entry, end));
        }
        return out;
    }

    /**
     * The source position of a PC, "file:line", from the function's pcfile and pcln tables.
     * Empty when the PC is outside every function.
     */
    public Optional<String> sourceLine(long textStart, long pc) throws GoBinaryException {
        Optional<Func> f = func(textStart, pc);
        if (f.isEmpty()) {
            return Optional.empty();
        }
        String file = file(f.get(), pc);
        int line = line(f.get(), pc);
        return file == null || line < 0 ? Optional.empty() : Optional.of(file + ":" + line);
    }

    /**
     * One function's _func record. The fixed fields are: entry (8 bytes in the Go 1.16 format,
     * 4 since 1.18), nameOff, args, deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset, then
     * startLine (1.20+), funcID, flag, a pad byte, nfuncdata; pcdata and funcdata offsets follow.
     */
    record Func(long entry, int nameOff, long pcsp, long pcfile, long pcln, int npcdata, long cu, int funcID,
            int flag, int nfuncdata, long pcdataAt) {
    }

    /** The function whose code holds pc, or empty. */
    Optional<Func> func(long textStart, long pc) throws GoBinaryException {
        int entrySize = magic == MAGIC_GO116 ? 16 : 8;
        int lo = 0;
        int hi = nfunc - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (entryAt(pclnOffset + (long) mid * entrySize, textStart) <= pc) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0 || pc >= entryAt(pclnOffset + (long) (found + 1) * entrySize, textStart)) {
            return Optional.empty();
        }
        long at = pclnOffset + (long) found * entrySize;
        long entry = entryAt(at, textStart);
        long funcOff = magic == MAGIC_GO116 ? data.getLong(checked(at + 8, 8)) : Integer.toUnsignedLong(data.getInt(checked(at + 4, 4)));
        long fn = pclnOffset + funcOff;
        int fields = magic == MAGIC_GO116 ? 8 : 4;
        int nameOff = data.getInt(checked(fn + fields, 4));
        long pcsp = u32(fn + fields + 12);
        long pcfile = u32(fn + fields + 16);
        long pcln = u32(fn + fields + 20);
        int npcdata = data.getInt(checked(fn + fields + 24, 4));
        long cu = u32(fn + fields + 28);
        int tail = fields + 32 + (magic == MAGIC_GO120 ? 4 : 0); // startLine came in 1.20
        int funcID = data.get(checked(fn + tail, 1)) & 0xff;
        int flag = data.get(checked(fn + tail + 1, 1)) & 0xff;
        int nfuncdata = data.get(checked(fn + tail + 3, 1)) & 0xff;
        if (npcdata < 0 || npcdata > 1024) {
            throw new GoBinaryException(".gopclntab is corrupt: function at 0x" + Long.toHexString(entry) + " has " + npcdata + " pcdata tables");
        }
        return Optional.of(new Func(entry, nameOff, pcsp, pcfile, pcln, npcdata, cu, funcID, flag, nfuncdata, fn + tail + 4));
    }

    String name(Func f) throws GoBinaryException {
        return name(f.nameOff());
    }

    /** How far the stack pointer at pc lies below the one at entry (the frame size there), or -1. */
    int spDelta(Func f, long pc) throws GoBinaryException {
        return f.pcsp() == 0 ? -1 : pcvalue(f.pcsp(), f.entry(), pc);
    }

    int line(Func f, long pc) throws GoBinaryException {
        return pcvalue(f.pcln(), f.entry(), pc);
    }

    /** The source file of pc, or null. */
    String file(Func f, long pc) throws GoBinaryException {
        int fileIndex = pcvalue(f.pcfile(), f.entry(), pc);
        if (fileIndex < 0) {
            return null;
        }
        long fileOff = u32(cuOffset + (f.cu() + fileIndex) * 4);
        return CString.read(data, checked(filetabOffset + fileOff, 1));
    }

    /** The value of pcdata table {@code table} at pc; -1 when the function has no such table. */
    int pcdata(Func f, int table, long pc) throws GoBinaryException {
        if (table >= f.npcdata()) {
            return -1;
        }
        long off = u32(f.pcdataAt() + table * 4L);
        return off == 0 ? -1 : pcvalue(off, f.entry(), pc);
    }

    /**
     * Funcdata slot {@code index}, since Go 1.18: an offset from moduledata.gofunc, -1 when absent.
     * Before, slots hold absolute addresses: see {@link #funcdataSlot}.
     */
    long funcdata(Func f, int index) throws GoBinaryException {
        if (index >= f.nfuncdata()) {
            return -1;
        }
        long off = u32(f.pcdataAt() + f.npcdata() * 4L + index * 4L);
        return off == 0xffffffffL ? -1 : off;
    }

    /**
     * The link-time address of funcdata slot {@code index} in the Go 1.16 format, whose slots are
     * pointers (relocated in a PIE, so read them with the ELF file's relocations); -1 when absent.
     */
    long funcdataSlot(Func f, int index) throws GoBinaryException {
        if (index >= f.nfuncdata()) {
            return -1;
        }
        long at = (f.pcdataAt() + f.npcdata() * 4L + 7) & ~7L; // pointers are aligned
        return address + checked(at + index * 8L, 8);
    }

    /** Whether funcdata are absolute addresses (the Go 1.16 format, used up to Go 1.17). */
    boolean absoluteFuncdata() {
        return magic == MAGIC_GO116;
    }

    /** The format's generation: 116, 118 or 120. Inline trees and _func records differ by it. */
    int format() {
        return magic == MAGIC_GO116 ? 116 : magic == MAGIC_GO118 ? 118 : 120;
    }

    private long u32(long off) throws GoBinaryException {
        return Integer.toUnsignedLong(data.getInt(checked(off, 4)));
    }

    /** Runs a pc-value table (zig-zag value deltas, pc deltas in units of minLC) up to pc. */
    private int pcvalue(long tableOff, long entry, long pc) throws GoBinaryException {
        try {
            return runPcvalue(tableOff, entry, pc);
        } catch (IndexOutOfBoundsException e) {
            throw new GoBinaryException(".gopclntab is corrupt: a pc-value table runs past its end");
        }
    }

    private int runPcvalue(long tableOff, long entry, long pc) throws GoBinaryException {
        Cursor c = new Cursor(data, checked(pctabOffset + tableOff, 1));
        int value = -1;
        long at = entry;
        for (boolean first = true; ; first = false) {
            long uvdelta = c.uleb();
            if (uvdelta == 0 && !first) {
                return -1;
            }
            value += (int) (-(uvdelta & 1) ^ (uvdelta >>> 1));
            at += c.uleb() * minLC;
            if (pc < at) {
                return value;
            }
        }
    }

    private long entryAt(long at, long textStart) throws GoBinaryException {
        if (magic == MAGIC_GO116) {
            return data.getLong(checked(at, 8));
        }
        return textStart + Integer.toUnsignedLong(data.getInt(checked(at, 4)));
    }

    String name(int nameOff) throws GoBinaryException {
        return CString.read(data, checked(funcnameOffset + nameOff, 1));
    }

    private int checked(long off, int len) throws GoBinaryException {
        if (off < 0 || off + len > data.capacity()) {
            throw new GoBinaryException(".gopclntab is truncated or corrupt");
        }
        return (int) off;
    }
}
