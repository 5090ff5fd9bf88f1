package dev.gmpwatch.exporter.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.PclntabProbe;
import java.util.Map;

/**
 * Fuzz target: the pclntab in all three formats, on its own: the bytes become a .gopclntab
 * section; its functions, and the source position, frame size and inlining of fuzzed PCs.
 */
public final class PclntabTarget {
    private PclntabTarget() {
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider in) {
        long textStart = in.consumeLong();
        long[] pcs = in.consumeLongs(8);
        byte[] table = in.consumeRemainingAsBytes();
        try {
            ElfFile elf = ElfFile.fromBytes("fuzz", SyntheticElf.build(Map.of(".gopclntab", table)));
            PclntabProbe.exercise(elf, textStart, pcs);
        } catch (GoBinaryException | ElfFormatException expected) {
            // the contract
        }
    }
}
