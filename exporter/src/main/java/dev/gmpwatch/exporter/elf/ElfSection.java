package dev.gmpwatch.exporter.elf;

/** One section header. */
public record ElfSection(String name, int type, long flags, long address, long offset, long size) {
    static final int SHT_NOBITS = 8;
    static final long SHF_COMPRESSED = 0x800;

    public boolean hasFileData() {
        return type != SHT_NOBITS;
    }

    public boolean isCompressed() {
        return (flags & SHF_COMPRESSED) != 0;
    }

    public boolean contains(long vaddr) {
        return address != 0 && vaddr >= address && vaddr < address + size;
    }
}
