package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSection;
import dev.gmpwatch.exporter.elf.ElfSymbol;
import java.util.Optional;

/**
 * Finds runtime.text, the base that pclntab entry offsets are relative to. It is not always the
 * start of .text: externally linked binaries put C start-up code first.
 */
final class TextStart {
    /** Offset of moduledata.text: pcHeader, six slices, findfunctab, minpc, maxpc come first. */
    static final int MODULEDATA_TEXT_OFFSET = 8 + 6 * 24 + 8 + 8 + 8;
    private static final int MODULEDATA_MINPC_OFFSET = 8 + 6 * 24 + 8;

    private TextStart() {
    }

    static long resolve(ElfFile elf, Pclntab pcln) throws GoBinaryException, ElfFormatException {
        if (pcln.hasAbsoluteEntries()) {
            return 0;
        }
        if (pcln.headerTextStart() != 0) {
            return pcln.headerTextStart();
        }
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.name().equals("runtime.text")) {
                return sym.value();
            }
        }
        Optional<Long> fromModule = fromModuledata(elf, pcln);
        if (fromModule.isPresent()) {
            return fromModule.get();
        }
        return elf.section(".text").map(ElfSection::address)
                .orElseThrow(() -> new GoBinaryException("cannot find the text start (no runtime.text, moduledata or .text)"));
    }

    /** runtime.firstmoduledata: in .go.module (Go 1.26+), otherwise found by its first two pointers. */
    private static Optional<Long> fromModuledata(ElfFile elf, Pclntab pcln) throws ElfFormatException, GoBinaryException {
        Optional<Long> module = moduledata(elf, pcln);
        return module.isPresent() ? Optional.of(textField(elf, module.get(), pcln)) : Optional.empty();
    }

    /** The link-time address of runtime.firstmoduledata, when the file holds it. */
    static Optional<Long> moduledata(ElfFile elf, Pclntab pcln) throws ElfFormatException {
        Optional<ElfSection> module = elf.section(".go.module");
        if (module.isPresent() && elf.readPointer(module.get().address()) == pcln.address()) {
            return Optional.of(module.get().address());
        }
        for (String name : new String[] {".noptrdata", ".data"}) {
            Optional<ElfSection> s = elf.section(name);
            if (s.isEmpty()) {
                continue;
            }
            long end = s.get().address() + s.get().size() - MODULEDATA_TEXT_OFFSET - 8;
            for (long a = s.get().address(); a < end; a += 8) {
                if (elf.readPointer(a) == pcln.address() && elf.readPointer(a + 8) == pcln.address() + pcln.funcnameOffset()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    private static long textField(ElfFile elf, long moduledata, Pclntab pcln) throws ElfFormatException, GoBinaryException {
        long text = elf.readPointer(moduledata + MODULEDATA_TEXT_OFFSET);
        long minpc = elf.readPointer(moduledata + MODULEDATA_MINPC_OFFSET);
        // minpc is the first function's entry: a cross-check that we read the right words.
        if (text == 0 || minpc != text + pcln.firstEntryOffset()) {
            throw new GoBinaryException("runtime moduledata does not match .gopclntab (text 0x" + Long.toHexString(text)
                    + ", minpc 0x" + Long.toHexString(minpc) + ")");
        }
        return text;
    }
}
