package dev.gmpwatch.exporter.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only view of an ELF64 little-endian x86-64 or AArch64 file: sections, PT_LOAD segments,
 * .symtab, load-relative relocations and address translation. Anything else is rejected on open.
 */
public final class ElfFile {
    private static final int ET_EXEC = 2;
    private static final int ET_DYN = 3;
    private static final int PT_LOAD = 1;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_RELA = 4;

    private final Path path;
    private final ByteBuffer data;
    private final int type;
    private final Machine machine;
    private final List<ElfSection> sections;
    private final List<ElfSegment> segments;
    private List<ElfSymbol> symbols;
    private Map<Long, Long> relativeRelocations;

    private ElfFile(Path path, ByteBuffer data) throws ElfFormatException {
        this.path = path;
        this.data = data;
        this.machine = checkIdentity();
        this.type = u16(16);
        if (type != ET_EXEC && type != ET_DYN) {
            throw new ElfFormatException("not an executable ELF (e_type " + type + ")");
        }
        this.segments = readSegments();
        this.sections = readSections();
    }

    /**
     * Drops the file's pages from this process's resident memory; they are read back from the page
     * cache when next touched. Call it once an analysis is done.
     */
    public void releasePages() {
        MappedPages.release(data);
    }

    /** Parses an image held in memory (tests and fuzzing); {@code name} stands in for its path in messages. */
    public static ElfFile fromBytes(String name, byte[] image) throws ElfFormatException {
        try {
            return new ElfFile(Path.of(name), ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN));
        } catch (ElfFormatException e) {
            throw new ElfFormatException(name + ": " + e.getMessage());
        }
    }

    /** Opens and validates the file; every failure is an ElfFormatException with a one-line reason. */
    public static ElfFile open(Path path) throws ElfFormatException {
        if (Files.isDirectory(path)) {
            throw new ElfFormatException(path + ": is a directory");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new ElfFormatException(path + ": larger than 2 GiB, not supported");
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            try {
                return new ElfFile(path, buf);
            } catch (ElfFormatException e) {
                throw new ElfFormatException(path + ": " + e.getMessage());
            }
        } catch (NoSuchFileException e) {
            throw new ElfFormatException(path + ": no such file");
        } catch (IOException e) {
            throw new ElfFormatException(path + ": cannot read: " + e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    public Machine machine() {
        return machine;
    }

    /** Position-independent executable (ET_DYN): addresses are relative to the load base. */
    public boolean isPie() {
        return type == ET_DYN;
    }

    /**
     * The link-time address that file offset 0 maps to (the lowest PT_LOAD's vaddr minus its
     * offset). A PIE is loaded as a whole, so its load bias is where offset 0 landed minus this:
     * 0 for most C PIEs, 0x400000 for Go's.
     */
    public long imageBase() {
        long base = 0;
        boolean found = false;
        for (ElfSegment seg : segments) {
            long b = seg.vaddr() - seg.offset();
            if (!found || b < base) {
                base = b;
                found = true;
            }
        }
        return base;
    }

    public List<ElfSection> sections() {
        return sections;
    }

    public Optional<ElfSection> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public long size() {
        return data.capacity();
    }

    /** The raw file bytes (read-only, little-endian). */
    public ByteBuffer bytes() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The contents of a section, decompressed when it is SHF_COMPRESSED or a .zdebug_ section. */
    public ByteBuffer sectionData(ElfSection s) throws ElfFormatException {
        if (!s.hasFileData()) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer raw = slice(s.offset(), s.size(), s.name());
        if (s.isCompressed() || s.name().startsWith(".zdebug_")) {
            return SectionDecompressor.decompress(s, raw);
        }
        return raw;
    }

    /** The contents of a section by name, or of the .zdebug_ variant of a .debug_ name. */
    public Optional<ByteBuffer> sectionData(String name) throws ElfFormatException {
        Optional<ElfSection> s = section(name);
        if (s.isEmpty() && name.startsWith(".debug_")) {
            s = section(".zdebug_" + name.substring(".debug_".length()));
        }
        return s.isPresent() ? Optional.of(sectionData(s.get())) : Optional.empty();
    }

    /** Symbols of .symtab; empty for stripped files. */
    public List<ElfSymbol> symbols() throws ElfFormatException {
        if (symbols == null) {
            symbols = readSymbols();
        }
        return symbols;
    }

    public boolean hasSymbols() {
        return sections.stream().anyMatch(s -> s.type() == SHT_SYMTAB);
    }

    /** File offset of a virtual address, through the PT_LOAD segment that maps it. */
    public Optional<Long> fileOffsetOf(long vaddr) {
        for (ElfSegment seg : segments) {
            if (seg.containsAddress(vaddr)) {
                return Optional.of(vaddr - seg.vaddr() + seg.offset());
            }
        }
        return Optional.empty();
    }

    /** Bytes at a virtual address that the file maps; fewer when the mapping ends first. */
    public ByteBuffer readAt(long vaddr, long length) throws ElfFormatException {
        for (ElfSegment seg : segments) {
            if (seg.containsAddress(vaddr)) {
                long avail = seg.vaddr() + seg.fileSize() - vaddr;
                return slice(vaddr - seg.vaddr() + seg.offset(), Math.min(length, avail), "address 0x" + Long.toHexString(vaddr));
            }
        }
        for (ElfSection s : sections) {
            if (s.hasFileData() && s.contains(vaddr)) {
                long avail = s.address() + s.size() - vaddr;
                return slice(s.offset() + vaddr - s.address(), Math.min(length, avail), s.name());
            }
        }
        throw new ElfFormatException("address 0x" + Long.toHexString(vaddr) + " is not mapped by the file");
    }

    /**
     * A pointer-sized word at a virtual address. In a PIE the linker may leave the word zero and
     * put the value in a relative relocation (R_X86_64_RELATIVE, R_AARCH64_RELATIVE); its addend is the unrelocated value.
     */
    public long readPointer(long vaddr) throws ElfFormatException {
        Long addend = relativeRelocations().get(vaddr);
        if (addend != null) {
            return addend;
        }
        ByteBuffer b = readAt(vaddr, 8);
        if (b.remaining() < 8) {
            throw new ElfFormatException("pointer at 0x" + Long.toHexString(vaddr) + " runs past its segment");
        }
        return b.getLong(b.position());
    }

    private Map<Long, Long> relativeRelocations() throws ElfFormatException {
        if (relativeRelocations == null) {
            Map<Long, Long> relocs = new HashMap<>();
            for (ElfSection s : sections) {
                if (s.type() != SHT_RELA) {
                    continue;
                }
                ByteBuffer b = slice(s.offset(), s.size(), s.name());
                for (int p = b.position(); p + 24 <= b.limit(); p += 24) {
                    long info = b.getLong(p + 8);
                    if ((int) info == machine.relativeRelocation()) {
                        relocs.put(b.getLong(p), b.getLong(p + 16));
                    }
                }
            }
            relativeRelocations = relocs;
        }
        return relativeRelocations;
    }

    private Machine checkIdentity() throws ElfFormatException {
        if (data.capacity() == 0) {
            throw new ElfFormatException("empty file");
        }
        if (data.capacity() < 4 || data.getInt(0) != 0x464c457f) {
            throw new ElfFormatException("not an ELF file");
        }
        if (data.capacity() < 6) {
            throw new ElfFormatException("truncated ELF header");
        }
        if (data.get(4) != 2) {
            throw new ElfFormatException("not a 64-bit ELF (ELFCLASS" + (data.get(4) == 1 ? "32" : data.get(4)) + ")");
        }
        if (data.get(5) != 1) {
            throw new ElfFormatException("not a little-endian ELF");
        }
        if (data.capacity() < 64) {
            throw new ElfFormatException("truncated ELF header");
        }
        int eMachine = u16(18);
        return Machine.ofElf(eMachine).orElseThrow(() ->
                new ElfFormatException("not an x86-64 or AArch64 ELF (e_machine " + eMachine + ")"));
    }

    private List<ElfSegment> readSegments() throws ElfFormatException {
        long phoff = data.getLong(32);
        int phentsize = u16(54);
        int phnum = u16(56);
        if (phnum > 0 && phentsize < 56) {
            throw new ElfFormatException("bad program header size " + phentsize);
        }
        checkRange(phoff, (long) phentsize * phnum, "program headers");
        List<ElfSegment> out = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            if (data.getInt(p) == PT_LOAD) {
                out.add(new ElfSegment(data.getLong(p + 8), data.getLong(p + 16), data.getLong(p + 32),
                        data.getLong(p + 40), data.getInt(p + 4)));
            }
        }
        return List.copyOf(out);
    }

    private List<ElfSection> readSections() throws ElfFormatException {
        long shoff = data.getLong(40);
        int shentsize = u16(58);
        int shnum = u16(60);
        int shstrndx = u16(62);
        if (shnum == 0) {
            return List.of();
        }
        if (shentsize < 64) {
            throw new ElfFormatException("bad section header size " + shentsize);
        }
        checkRange(shoff, (long) shentsize * shnum, "section headers");
        if (shstrndx >= shnum) {
            throw new ElfFormatException("bad section name table index");
        }
        int strHdr = (int) (shoff + (long) shstrndx * shentsize);
        long strOff = data.getLong(strHdr + 24);
        long strSize = data.getLong(strHdr + 32);
        checkRange(strOff, strSize, "section name table");
        List<ElfSection> out = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + (long) i * shentsize);
            int nameOff = data.getInt(h);
            String name = nameOff >= 0 && nameOff < strSize ? cString(strOff + nameOff, strOff + strSize) : "";
            ElfSection s = new ElfSection(name, data.getInt(h + 4), data.getLong(h + 8), data.getLong(h + 16),
                    data.getLong(h + 24), data.getLong(h + 32));
            if (s.hasFileData() && s.type() != 0) {
                checkRange(s.offset(), s.size(), "section " + name);
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    private List<ElfSymbol> readSymbols() throws ElfFormatException {
        for (int i = 0; i < sections.size(); i++) {
            ElfSection s = sections.get(i);
            if (s.type() != SHT_SYMTAB) {
                continue;
            }
            long shoff = data.getLong(40);
            int link = data.getInt((int) (shoff + (long) i * u16(58)) + 40);
            if (link <= 0 || link >= sections.size()) {
                throw new ElfFormatException(".symtab has no string table");
            }
            ElfSection strtab = sections.get(link);
            List<ElfSymbol> out = new ArrayList<>();
            long end = s.offset() + s.size();
            for (long p = s.offset(); p + 24 <= end; p += 24) {
                int ip = (int) p;
                int nameOff = data.getInt(ip);
                int info = data.get(ip + 4) & 0xff;
                String name = nameOff > 0 && nameOff < strtab.size()
                        ? cString(strtab.offset() + nameOff, strtab.offset() + strtab.size()) : "";
                out.add(new ElfSymbol(name, data.getLong(ip + 8), data.getLong(ip + 16), info & 0xf));
            }
            return List.copyOf(out);
        }
        return List.of();
    }

    private ByteBuffer slice(long offset, long length, String what) throws ElfFormatException {
        checkRange(offset, length, what);
        return data.slice((int) offset, (int) length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void checkRange(long offset, long length, String what) throws ElfFormatException {
        if (offset < 0 || length < 0 || length > data.capacity() - offset) {
            throw new ElfFormatException("truncated ELF: " + what + " lie past the end of the file");
        }
    }

    private String cString(long start, long limit) throws ElfFormatException {
        if (start < 0 || start >= data.limit() || limit > data.limit() || limit < start) {
            throw new ElfFormatException("a string offset (" + start + ") lies outside its table");
        }
        return CString.read(data, (int) start, (int) limit);
    }

    private int u16(int off) {
        return data.getShort(off) & 0xffff;
    }
}
