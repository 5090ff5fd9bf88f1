package dev.gmpwatch.exporter.fuzz;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSection;

/** Fuzz target: any bytes as an ELF file: headers, segments, sections (compressed ones too), symbols, relocations. */
public final class ElfTarget {
    private ElfTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        try {
            ElfFile elf = ElfFile.fromBytes("fuzz", data);
            for (ElfSection s : elf.sections()) {
                elf.sectionData(s);
                if (elf.fileOffsetOf(s.address()).isPresent()) {
                    elf.readAt(s.address(), 16);
                    elf.readPointer(s.address());
                }
            }
            elf.symbols();
            elf.isPie();
            elf.imageBase();
        } catch (ElfFormatException expected) {
            // the contract: bad input ends in our own typed exception
        }
    }
}
