package dev.gmpwatch.exporter.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.PclntabProbe;
import java.util.LinkedHashMap;
import java.util.Map;

/** Fuzz target: DWARF (.debug_abbrev, .debug_info, .debug_str) through the struct and global reader. */
public final class DwarfTarget {
    private DwarfTarget() {
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider in) {
        Map<String, byte[]> sections = new LinkedHashMap<>();
        sections.put(".debug_abbrev", in.consumeBytes(in.consumeInt(0, 1 << 16)));
        sections.put(".debug_str", in.consumeBytes(in.consumeInt(0, 1 << 16)));
        sections.put(".debug_info", in.consumeRemainingAsBytes());
        try {
            PclntabProbe.dwarf(ElfFile.fromBytes("fuzz", SyntheticElf.build(sections)));
        } catch (GoBinaryException | ElfFormatException expected) {
            // the contract
        }
    }
}
