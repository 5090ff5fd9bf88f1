package dev.gmpwatch.exporter.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.PclntabProbe;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzz target: build info (.go.buildinfo, both its inline and its pointer formats) and the
 * wait-reason strings, each section filled from the input.
 */
public final class BuildInfoTarget {
    private BuildInfoTarget() {
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider in) {
        Map<String, byte[]> sections = new LinkedHashMap<>();
        sections.put(".go.buildinfo", in.consumeBytes(in.consumeInt(0, 4096)));
        sections.put(".rodata", in.consumeRemainingAsBytes());
        try {
            PclntabProbe.buildInfo(ElfFile.fromBytes("fuzz", SyntheticElf.build(sections)));
        } catch (GoBinaryException | ElfFormatException expected) {
            // the contract
        }
    }
}
