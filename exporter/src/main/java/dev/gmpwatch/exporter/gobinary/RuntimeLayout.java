package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Offsets of the runtime struct fields the BPF programs read, from DWARF or the version table. */
public final class RuntimeLayout {
    public enum Source { DWARF, TABLE, NONE }

    /** Every field the probes may read, in a stable order. */
    public static final List<String> FIELDS = List.of(
            "runtime.g.goid",
            "runtime.g.atomicstatus",
            "runtime.g.waitreason",
            "runtime.g.startpc",
            "runtime.g.gopc",
            "runtime.p.id",
            "runtime.p.status",
            "runtime.p.runqhead",
            "runtime.p.runqtail",
            "runtime.p.runnext",
            "runtime.schedt.runqsize");

    static final Set<String> STRUCTS = Set.of("runtime.g", "runtime.p", "runtime.schedt", "runtime.gQueue");
    static final Set<String> GLOBALS = Set.of("runtime.gomaxprocs");

    private final Map<String, Long> offsets;
    private final Source source;

    private RuntimeLayout(Map<String, Long> offsets, Source source) {
        this.offsets = offsets;
        this.source = source;
    }

    public Map<String, Long> offsets() {
        return offsets;
    }

    public Source source() {
        return source;
    }

    static RuntimeLayout resolve(Optional<DwarfStructs> dwarf, String goVersion) {
        if (dwarf.isPresent()) {
            Map<String, Long> out = new LinkedHashMap<>();
            for (String field : FIELDS) {
                fromDwarf(dwarf.get(), field).ifPresent(v -> out.put(field, v));
            }
            if (!out.isEmpty()) {
                return new RuntimeLayout(out, Source.DWARF);
            }
        }
        Map<String, Long> table = GoVersion.minor(goVersion).map(m -> VersionTables.structOffsets().get(m)).orElse(null);
        if (table != null) {
            Map<String, Long> out = new LinkedHashMap<>();
            for (String field : FIELDS) {
                if (table.containsKey(field)) {
                    out.put(field, table.get(field));
                }
            }
            return new RuntimeLayout(out, Source.TABLE);
        }
        return new RuntimeLayout(Map.of(), Source.NONE);
    }

    private static Optional<Long> fromDwarf(DwarfStructs dwarf, String field) {
        Optional<Long> direct = dwarf.memberOffset(field);
        if (direct.isPresent() || !field.equals("runtime.schedt.runqsize")) {
            return direct;
        }
        // Go 1.25 moved the global run-queue length into the queue: schedt.runq.size.
        Optional<Long> runq = dwarf.memberOffset("runtime.schedt.runq");
        Optional<Long> size = dwarf.memberOffset("runtime.gQueue.size");
        return runq.isPresent() && size.isPresent() ? Optional.of(runq.get() + size.get()) : Optional.empty();
    }

    /** Global variable addresses (runtime.gomaxprocs), from DWARF or .symtab. */
    static Map<String, Long> globals(ElfFile elf, Optional<DwarfStructs> dwarf) throws ElfFormatException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : GLOBALS) {
            Optional<Long> addr = dwarf.flatMap(d -> d.globalAddress(name));
            if (addr.isEmpty()) {
                addr = elf.symbols().stream().filter(s -> s.name().equals(name)).map(s -> s.value()).findFirst();
            }
            addr.ifPresent(a -> out.put(name, a));
        }
        return out;
    }
}
