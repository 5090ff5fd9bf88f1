package dev.gmpwatch.exporter.elf;

/** One PT_LOAD program header: how a range of the file maps into memory. */
record ElfSegment(long offset, long vaddr, long fileSize, long memSize, int flags) {
    static final int PF_X = 1;

    boolean containsAddress(long address) {
        return address >= vaddr && address < vaddr + fileSize;
    }
}
