package dev.gmpwatch.exporter.fuzz;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.GoFunction;
import dev.gmpwatch.exporter.gobinary.StackSymbols;

/**
 * Fuzz target: any bytes as a whole Go binary, through everything the exporter does with one:
 * build info, pclntab, text start, functions, DWARF or version tables, stripped-binary global
 * recovery (x86 data references), wait reasons, probe sites, and the unwinder's symbols.
 */
public final class GoBinaryTarget {
    private GoBinaryTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        try {
            GoBinary bin = GoBinary.analyze(ElfFile.fromBytes("fuzz", data));
            bin.hookedFunctions();
            StackSymbols symbols = bin.stackSymbols();
            for (String name : new String[] {"runtime.gopark", "runtime.goexit", "main.main", "runtime.newproc1"}) {
                var f = bin.functions().byName(name);
                if (f.isPresent()) {
                    visit(bin, symbols, f.get());
                }
            }
            bin.functions().symbolize(SyntheticElf.BASE);
        } catch (GoBinaryException | ElfFormatException expected) {
            // the contract: bad input ends in our own typed exceptions
        }
    }

    private static void visit(GoBinary bin, StackSymbols symbols, GoFunction f) throws GoBinaryException {
        bin.goroutineEntryName(f);
        bin.sourceLine(f.entry());
        for (long pc = f.entry(); pc < f.end() && pc < f.entry() + 64; pc += 7) {
            symbols.at(pc, pc);
            symbols.at(pc, pc - 1);
        }
    }
}
