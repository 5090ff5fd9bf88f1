package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import java.util.List;
import java.util.Optional;

/** Reaches the package-private parsers for the fuzz targets (dev.gmpwatch.exporter.fuzz). */
public final class PclntabProbe {
    private PclntabProbe() {
    }

    /** Reads the pclntab, lists its functions, and looks up each PC every way the unwinder does. */
    public static void exercise(ElfFile elf, long textStart, long[] pcs) throws GoBinaryException, ElfFormatException {
        Pclntab pcln = Pclntab.read(elf);
        List<GoFunction> functions = pcln.functions(textStart);
        StackSymbols symbols = new StackSymbols(elf, pcln, textStart, 0, "go1.22.0");
        for (long pc : pcs) {
            pcln.sourceLine(textStart, pc);
            symbols.at(pc, pc);
        }
        for (int i = 0; i < Math.min(functions.size(), 16); i++) {
            GoFunction f = functions.get(i);
            Optional<Pclntab.Func> fn = pcln.func(textStart, f.entry());
            if (fn.isPresent()) {
                pcln.spDelta(fn.get(), f.entry() + 1);
                pcln.pcdata(fn.get(), 2, f.entry());
                symbols.at(f.entry() + 1, f.entry());
            }
        }
    }

    /** The DWARF reader over whatever .debug_* sections the file has. */
    public static void dwarf(ElfFile elf) throws GoBinaryException, ElfFormatException {
        Optional<DwarfStructs> d = DwarfStructs.read(elf, RuntimeLayout.STRUCTS, RuntimeLayout.GLOBALS);
        if (d.isPresent()) {
            RuntimeLayout.resolve(d, "go1.22.0");
            RuntimeLayout.globals(elf, d);
        }
    }

    /** Build info and wait-reason recovery (runtime.waitReasonStrings). */
    public static void buildInfo(ElfFile elf) throws GoBinaryException, ElfFormatException {
        WaitReasons.resolve(elf, "go1.22.0");
        BuildInfo.goVersion(elf);
    }
}
