package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSymbol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The runtime's waitReason code -> text table: read from the binary, else the version table. */
public final class WaitReasons {
    public enum Source { SYMBOL, TABLE, NONE }

    private final List<String> texts;
    private final Source source;

    private WaitReasons(List<String> texts, Source source) {
        this.texts = List.copyOf(texts);
        this.source = source;
    }

    /** Index = waitReason code. */
    public List<String> texts() {
        return texts;
    }

    public Source source() {
        return source;
    }

    static WaitReasons resolve(ElfFile elf, String goVersion) throws ElfFormatException, GoBinaryException {
        Optional<ElfSymbol> sym = elf.symbols().stream()
                .filter(s -> s.name().equals("runtime.waitReasonStrings")).findFirst();
        if (sym.isPresent()) {
            return new WaitReasons(readStringArray(elf, sym.get()), Source.SYMBOL);
        }
        List<String> table = GoVersion.minor(goVersion).map(m -> VersionTables.waitReasons().get(m)).orElse(null);
        return table != null ? new WaitReasons(table, Source.TABLE) : new WaitReasons(List.of(), Source.NONE);
    }

    /** A Go [N]string: N string headers of (data pointer, length). */
    private static List<String> readStringArray(ElfFile elf, ElfSymbol sym) throws ElfFormatException, GoBinaryException {
        if (sym.size() % 16 != 0 || sym.size() > 16 * 1024) {
            throw new GoBinaryException("runtime.waitReasonStrings has an unexpected size " + sym.size());
        }
        List<String> out = new ArrayList<>();
        for (long a = sym.value(); a < sym.value() + sym.size(); a += 16) {
            long ptr = elf.readPointer(a);
            long len = elf.readAt(a + 8, 8).getLong(0);
            if (len < 0 || len > 256) {
                throw new GoBinaryException("runtime.waitReasonStrings holds a malformed string");
            }
            if (len == 0) {
                out.add("");
                continue;
            }
            ByteBuffer b = elf.readAt(ptr, len);
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.add(new String(bytes, StandardCharsets.UTF_8));
        }
        return out;
    }
}
