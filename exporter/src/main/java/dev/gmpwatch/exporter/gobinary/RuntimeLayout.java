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

    /** The size of the scheduler struct: stripped-binary recovery tells sched's fields from its neighbours. */
    public static final String SIZEOF_SCHEDT = "sizeof(runtime.schedt)";

    /**
     * Every field the probes and the runtime-state reader may read, in a stable order. A name is
     * "struct.member[.member...]"; nested members are followed through their types. Fields that a
     * Go version lacks are simply absent from its layout.
     */
    public static final List<String> FIELDS = List.of(
            "runtime.g.goid",
            "runtime.g.atomicstatus",
            "runtime.g.waitreason",
            "runtime.g.startpc",
            "runtime.g.gopc",
            "runtime.g.waitsince",
            "runtime.g.stack.lo",
            "runtime.g.stack.hi",
            "runtime.g.sched.sp",
            "runtime.g.sched.pc",
            "runtime.g.syscallsp",
            "runtime.g.syscallpc",
            "runtime.g.trackingSeq",
            "runtime.g.labels",
            "runtime.p.id",
            "runtime.p.status",
            "runtime.p.schedtick",
            "runtime.p.syscalltick",
            "runtime.p.runqhead",
            "runtime.p.runqtail",
            "runtime.p.runnext",
            "runtime.p.goidcache",
            "runtime.p.goidcacheend",
            "runtime.p.gFree.n",
            "runtime.p.gFree.size",
            "runtime.schedt.lock",
            "runtime.schedt.runqsize",
            "runtime.schedt.goidgen",
            "runtime.schedt.ngsys",
            "runtime.schedt.npidle",
            "runtime.schedt.nmspinning",
            "runtime.schedt.mnext",
            "runtime.schedt.nmfreed",
            "runtime.schedt.gFree.n",
            "runtime.schedt.gFree.stack.size",
            "runtime.schedt.gFree.noStack.size",
            "runtime.schedt.timeToRun",
            "runtime.schedt.stwTotalTimeGC",
            "runtime.mstats.numgc",
            "runtime.mstats.gcPauseDist",
            "runtime.timeHistogram.underflow",
            "runtime.moduledata.gofunc",
            SIZEOF_SCHEDT);

    /**
     * What the runtime-state reader needs, as alternatives: each entry is satisfied when every
     * field of one of its "|"-separated options (fields joined by "+") is known.
     */
    static final List<String> REQUIRED_FOR_STATE = List.of(
            "runtime.g.goid", "runtime.g.atomicstatus", "runtime.g.waitreason", "runtime.g.startpc", "runtime.g.gopc",
            "runtime.g.waitsince", "runtime.p.id", "runtime.p.status", "runtime.p.schedtick", "runtime.p.syscalltick",
            "runtime.p.runqhead", "runtime.p.runqtail", "runtime.p.runnext", "runtime.p.goidcache", "runtime.p.goidcacheend",
            "runtime.p.gFree.n|runtime.p.gFree.size",
            "runtime.schedt.runqsize", "runtime.schedt.goidgen", "runtime.schedt.ngsys", "runtime.schedt.npidle",
            "runtime.schedt.nmspinning", "runtime.schedt.mnext", "runtime.schedt.nmfreed",
            "runtime.schedt.gFree.n|runtime.schedt.gFree.stack.size+runtime.schedt.gFree.noStack.size",
            "runtime.schedt.timeToRun", "runtime.schedt.stwTotalTimeGC|runtime.mstats.gcPauseDist",
            "runtime.mstats.numgc", "runtime.timeHistogram.underflow", "runtime.schedt.lock", SIZEOF_SCHEDT);

    /** The entries of {@link #REQUIRED_FOR_STATE} that these offsets do not satisfy. */
    public static List<String> missingForState(Map<String, Long> offsets) {
        return REQUIRED_FOR_STATE.stream().filter(req -> java.util.Arrays.stream(req.split("\\|"))
                .noneMatch(option -> java.util.Arrays.stream(option.split("\\+")).allMatch(offsets::containsKey))).toList();
    }

    static final Set<String> STRUCTS = Set.of("runtime.g", "runtime.p", "runtime.schedt", "runtime.gQueue",
            "runtime.gList", "runtime.mstats", "runtime.timeHistogram", "runtime.stack", "runtime.gobuf", "runtime.moduledata");
    /** What the goroutine stack unwinder needs on top of the state reader's fields. */
    public static final List<String> REQUIRED_FOR_STACKS = List.of("runtime.g.stack.lo", "runtime.g.stack.hi",
            "runtime.g.sched.sp", "runtime.g.sched.pc", "runtime.g.syscallsp", "runtime.g.syscallpc");

    /** Data symbols the runtime-state reader needs. */
    public static final List<String> GLOBAL_NAMES = List.of("runtime.gomaxprocs", "runtime.sched", "runtime.allglen",
            "runtime.allgptr", "runtime.allp", "runtime.memstats");
    static final Set<String> GLOBALS = Set.copyOf(GLOBAL_NAMES);

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
        if (field.startsWith("sizeof(")) {
            return dwarf.structSize(field.substring(7, field.length() - 1));
        }
        String[] parts = field.split("\\.");
        Optional<Long> direct = dwarf.nestedOffset(parts[0] + "." + parts[1],
                java.util.Arrays.copyOfRange(parts, 2, parts.length));
        if (direct.isPresent() || !field.equals("runtime.schedt.runqsize")) {
            return direct;
        }
        // Go 1.25 moved the global run-queue length into the queue: schedt.runq.size.
        Optional<Long> runq = dwarf.memberOffset("runtime.schedt.runq");
        Optional<Long> size = dwarf.memberOffset("runtime.gQueue.size");
        return runq.isPresent() && size.isPresent() ? Optional.of(runq.get() + size.get()) : Optional.empty();
    }

    /** Global variable addresses, from DWARF or .symtab; stripped binaries have neither. */
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
