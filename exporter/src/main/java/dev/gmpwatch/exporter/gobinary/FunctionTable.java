package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSymbol;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Functions by name and by address, from .symtab when present, else from .gopclntab. Kept in
 * arrays, with names interned: a host runs many binaries of one Go version, whose runtime and
 * standard-library functions share their names, and the exporter keeps one table per binary.
 */
public final class FunctionTable {
    public enum Source { SYMTAB, PCLNTAB }

    private final Source source;
    private final long[] entries;
    private final long[] ends;
    private final String[] names;
    /** Indices into the arrays, ordered by name (the first of equal names by entry). */
    private final int[] byName;

    private FunctionTable(Source source, List<GoFunction> functions) {
        this.source = source;
        List<GoFunction> sorted = new ArrayList<>(functions);
        sorted.sort(Comparator.comparingLong(GoFunction::entry));
        int n = sorted.size();
        entries = new long[n];
        ends = new long[n];
        names = new String[n];
        for (int i = 0; i < n; i++) {
            GoFunction f = sorted.get(i);
            entries[i] = f.entry();
            ends[i] = f.end();
            names[i] = f.name().intern();
        }
        byName = IntStream.range(0, n).boxed().sorted(Comparator.comparing((Integer i) -> names[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
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

    /** The function of that name (the lowest entry when several share it). */
    public Optional<GoFunction> byName(String name) {
        int lo = 0;
        int hi = byName.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = names[byName[mid]].compareTo(name);
            if (c < 0) {
                lo = mid + 1;
            } else {
                if (c == 0) {
                    found = mid;
                }
                hi = mid - 1;
            }
        }
        return found < 0 ? Optional.empty() : Optional.of(at(byName[found]));
    }

    /** The function whose [entry, end) range holds pc. */
    public Optional<GoFunction> symbolize(long pc) {
        int lo = 0;
        int hi = entries.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (pc < entries[mid]) {
                hi = mid - 1;
            } else if (pc >= ends[mid] && ends[mid] > entries[mid]) {
                lo = mid + 1;
            } else {
                return Optional.of(at(mid));
            }
        }
        return Optional.empty();
    }

    public int size() {
        return entries.length;
    }

    private GoFunction at(int i) {
        return new GoFunction(names[i], entries[i], ends[i]);
    }
}
