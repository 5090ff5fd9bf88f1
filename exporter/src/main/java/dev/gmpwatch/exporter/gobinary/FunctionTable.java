package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSymbol;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Functions by name and by address, from .symtab when present, else from .gopclntab. */
public final class FunctionTable {
    public enum Source { SYMTAB, PCLNTAB }

    private final Source source;
    private final List<GoFunction> byEntry;
    private final Map<String, GoFunction> byName = new HashMap<>();

    private FunctionTable(Source source, List<GoFunction> functions) {
        this.source = source;
        List<GoFunction> sorted = new ArrayList<>(functions);
        sorted.sort(Comparator.comparingLong(GoFunction::entry));
        this.byEntry = List.copyOf(sorted);
        for (GoFunction f : sorted) {
            byName.putIfAbsent(f.name(), f);
        }
    }

    static FunctionTable read(ElfFile elf, Pclntab pcln, long textStart) throws GoBinaryException, ElfFormatException {
        List<GoFunction> fromSymtab = new ArrayList<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.isFunction() && s.value() != 0 && !s.name().isEmpty()) {
                fromSymtab.add(new GoFunction(s.name(), s.value(), s.value() + s.size()));
            }
        }
        if (!fromSymtab.isEmpty()) {
            return new FunctionTable(Source.SYMTAB, fromSymtab);
        }
        return new FunctionTable(Source.PCLNTAB, pcln.functions(textStart));
    }

    public Source source() {
        return source;
    }

    public Optional<GoFunction> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The function whose [entry, end) range holds pc. */
    public Optional<GoFunction> symbolize(long pc) {
        int lo = 0;
        int hi = byEntry.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            GoFunction f = byEntry.get(mid);
            if (pc < f.entry()) {
                hi = mid - 1;
            } else if (pc >= f.end() && f.end() > f.entry()) {
                lo = mid + 1;
            } else {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    public int size() {
        return byEntry.size();
    }
}
