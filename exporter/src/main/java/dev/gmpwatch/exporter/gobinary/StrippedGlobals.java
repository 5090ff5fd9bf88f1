package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSection;
import dev.gmpwatch.exporter.code.DataRef.Access;
import dev.gmpwatch.exporter.code.DataRef;
import dev.gmpwatch.exporter.code.InstructionSet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recovers the runtime's data-symbol addresses in a stripped binary from the code that uses them:
 * the variables are gone from the symbol table, but the functions that touch them are still in the
 * pclntab, and Go reaches every global through a RIP-relative operand. Every address found by one
 * function's code is confirmed by another function's; one that is not is not used.
 */
final class StrippedGlobals {
    private static final long SHF_WRITE = 0x1;
    /** Functions are scanned up to this size: the ones used here are a few KB. */
    private static final int MAX_CODE = 64 * 1024;

    /** What was recovered, by which rule, and why the rest was not. */
    record Recovery(Map<String, Long> globals, Map<String, String> rules, List<String> problems) {
    }

    private final ElfFile elf;
    private final InstructionSet code;
    private final FunctionTable functions;
    private final Map<String, Long> offsets;
    private final Map<String, Long> found = new LinkedHashMap<>();
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    private StrippedGlobals(ElfFile elf, InstructionSet code, FunctionTable functions, Map<String, Long> offsets) {
        this.elf = elf;
        this.code = code;
        this.functions = functions;
        this.offsets = offsets;
    }

    static Recovery recover(ElfFile elf, InstructionSet code, FunctionTable functions, Map<String, Long> offsets) {
        StrippedGlobals s = new StrippedGlobals(elf, code, functions, offsets);
        s.run();
        return new Recovery(Map.copyOf(s.found), Map.copyOf(s.rules), List.copyOf(s.problems));
    }

    private void run() {
        try {
            List<DataRef> trace = refs("runtime.schedtrace");
            List<DataRef> resize = refs("runtime.procresize");
            Optional<Long> sched = schedCandidate(trace);
            if (sched.isPresent()) {
                boolean confirmed = loads(trace, sched.get() + offset("runtime.schedt.mnext"), 8)
                        && loads(trace, sched.get() + offset("runtime.schedt.nmfreed"), 8);
                confirm("runtime.sched", sched.get(), confirmed).ifPresent(a -> put("runtime.sched", a,
                        "runtime.schedtrace's first address taken is sched.lock; it loads sched.mnext and sched.nmfreed"));
            }
            long schedStart = sched.orElse(0L);
            long schedEnd = sched.isPresent() ? schedStart + offset(RuntimeLayout.SIZEOF_SCHEDT) : 0;
            gomaxprocs(trace, resize, schedStart, schedEnd);
            allp(trace, resize);
            allg();
            memstats();
        } catch (ElfFormatException | MissingException e) {
            problems.add(e.getMessage());
        }
    }

    /** schedtrace's first LEA into data is &sched.lock; the same code reads sched.mnext and sched.nmfreed. */
    private Optional<Long> schedCandidate(List<DataRef> trace) throws MissingException {
        Optional<DataRef> lea = trace.stream().filter(r -> r.access() == Access.LEA).findFirst();
        if (lea.isEmpty()) {
            problems.add("runtime.sched: runtime.schedtrace takes no address of data");
            return Optional.empty();
        }
        return Optional.of(lea.get().target() - offset("runtime.schedt.lock"));
    }

    /** The first 4-byte load outside sched, in schedtrace and in procresize alike. */
    private void gomaxprocs(List<DataRef> trace, List<DataRef> resize, long sched, long schedEnd) {
        Optional<Long> a = firstLoad(trace, 4, sched, schedEnd);
        Optional<Long> b = firstLoad(resize, 4, sched, schedEnd);
        if (a.isPresent()) {
            confirm("runtime.gomaxprocs", a.get(), a.equals(b)).ifPresent(v -> put("runtime.gomaxprocs", v,
                    "the first 4-byte load outside sched in runtime.schedtrace and in runtime.procresize"));
        } else {
            problems.add("runtime.gomaxprocs: no 4-byte load in runtime.schedtrace");
        }
    }

    /** procresize stores all three words of the allp slice; schedtrace loads its pointer. */
    private void allp(List<DataRef> trace, List<DataRef> resize) {
        Set<Long> stored8 = new LinkedHashSet<>();
        resize.stream().filter(r -> r.access() == Access.STORE && r.size() == 8).forEach(r -> stored8.add(r.target()));
        Optional<Long> slice = stored8.stream().filter(x -> stored8.contains(x + 8) && stored8.contains(x + 16)).sorted().findFirst();
        if (slice.isEmpty()) {
            problems.add("runtime.allp: runtime.procresize stores no slice header");
            return;
        }
        confirm("runtime.allp", slice.get(), loads(trace, slice.get(), 8)).ifPresent(v -> put("runtime.allp", v,
                "the slice header runtime.procresize stores; runtime.schedtrace loads its pointer"));
    }

    /**
     * allgadd compares allgs[0] with allgptr and stores allglen through its address (the other
     * address it takes is allglock's); forEachGRace loads allglen, then allgptr. x86-64 compares
     * allgptr in memory; arm64 loads it first, as the first word it loads outside allgs.
     */
    private void allg() throws ElfFormatException {
        List<DataRef> add = refs("runtime.allgadd");
        Set<Long> words = new LinkedHashSet<>();
        add.stream().filter(r -> r.size() == 8).forEach(r -> words.add(r.target()));
        Optional<Long> allgs = words.stream().filter(x -> words.contains(x + 8) && words.contains(x + 16)).findFirst();
        Optional<Long> ptr = add.stream().filter(r -> r.access() == Access.COMPARE && r.size() == 8)
                .map(DataRef::target).findFirst()
                .or(() -> add.stream().filter(r -> r.access() == Access.LOAD && r.size() == 8).map(DataRef::target)
                        .filter(a -> allgs.isPresent() && (a < allgs.get() || a >= allgs.get() + 24)).findFirst());
        // allglock's address is taken first (lock); the slice header allgs is not a candidate
        List<Long> leas = add.stream().filter(r -> r.access() == Access.LEA).map(DataRef::target)
                .filter(a -> allgs.isEmpty() || a < allgs.get() || a > allgs.get() + 16).distinct().toList();
        if (ptr.isEmpty() || leas.size() < 2) {
            problems.add("runtime.allgptr, runtime.allglen: runtime.allgadd does not have the expected shape");
            return;
        }
        Optional<Long> len = leas.stream().skip(1).filter(a -> !a.equals(ptr.get())).findFirst();
        List<Long> race = refs("runtime.forEachGRace").stream().filter(r -> r.access() == Access.LOAD && r.size() == 8)
                .map(DataRef::target).limit(2).toList();
        boolean confirmed = len.isPresent() && race.equals(List.of(len.get(), ptr.get()));
        confirm("runtime.allgptr", ptr.get(), confirmed).ifPresent(v -> put("runtime.allgptr", v,
                "the word runtime.allgadd compares with allgs[0]; runtime.forEachGRace loads it second"));
        if (len.isPresent()) {
            confirm("runtime.allglen", len.get(), confirmed).ifPresent(v -> put("runtime.allglen", v,
                    "the address runtime.allgadd stores len(allgs) through; runtime.forEachGRace loads it first"));
        }
    }

    /**
     * gcMarkTermination reads memstats.numgc modulo 256 and increments it: x86-64 with a byte load
     * and an INC, arm64 with a word load and a store back. Of the words it so updates, numgc is the
     * one the same function takes gcPauseDist's address beside (Go 1.17-1.21), or the GC CPU
     * limiter loads as a word.
     */
    private void memstats() throws ElfFormatException, MissingException {
        List<DataRef> term = refs("runtime.gcMarkTermination");
        Set<Long> byteLoads = new LinkedHashSet<>();
        term.stream().filter(r -> r.access() == Access.LOAD && r.size() == 1).forEach(r -> byteLoads.add(r.target()));
        Set<Long> stored = new LinkedHashSet<>();
        term.stream().filter(r -> r.access() == Access.STORE && r.size() == 4).forEach(r -> stored.add(r.target()));
        List<Long> updated = term.stream().filter(r -> r.size() == 4 && (r.access() == Access.INCREMENT
                        || r.access() == Access.LOAD && stored.contains(r.target())))
                .map(DataRef::target).distinct().toList();
        // those also read as a byte (x86-64's modulo 256) first
        List<Long> candidates = java.util.stream.Stream.concat(updated.stream().filter(byteLoads::contains),
                updated.stream().filter(a -> !byteLoads.contains(a))).toList();
        if (candidates.isEmpty()) {
            problems.add("runtime.memstats: runtime.gcMarkTermination has no counter read modulo 256 and incremented");
            return;
        }
        Long pauseDist = offsets.get("runtime.mstats.gcPauseDist");
        for (long numgc : candidates) {
            long memstats = numgc - offset("runtime.mstats.numgc");
            boolean confirmed = pauseDist != null && term.stream()
                    .anyMatch(r -> r.access() == Access.LEA && r.target() == memstats + pauseDist);
            for (String fn : List.of("runtime.(*gcCPULimiterState).accumulate", "runtime.(*gcCPULimiterState).resetCapacity",
                    "runtime.gcMarkTermination.func4", "runtime.readGCStats_m")) {
                if (!confirmed && functions.byName(fn).isPresent() && loads(refs(fn), numgc, 4)) {
                    confirmed = true;
                    break;
                }
            }
            if (confirmed || numgc == candidates.get(candidates.size() - 1)) {
                confirm("runtime.memstats", memstats, confirmed).ifPresent(v -> put("runtime.memstats", v,
                        "memstats.numgc: the counter runtime.gcMarkTermination reads modulo 256 and increments, which a second function reads"));
                return;
            }
        }
    }

    private void put(String name, long address, String rule) {
        found.put(name, address);
        rules.put(name, rule);
    }

    private Optional<Long> confirm(String name, long address, boolean confirmed) {
        if (!confirmed) {
            problems.add(name + ": 0x" + Long.toHexString(address) + " was not confirmed by a second function");
            return Optional.empty();
        }
        return Optional.of(address);
    }

    private static Optional<Long> firstLoad(List<DataRef> refs, int size, long skipFrom, long skipTo) {
        return refs.stream().filter(r -> r.access() == Access.LOAD && r.size() == size)
                .map(DataRef::target).filter(a -> a < skipFrom || a >= skipTo).findFirst();
    }

    private static boolean loads(List<DataRef> refs, long address, int size) {
        return refs.stream().anyMatch(r -> r.access() == Access.LOAD && r.size() == size && r.target() == address);
    }

    /** A function's references to writable data. */
    private List<DataRef> refs(String function) throws ElfFormatException {
        GoFunction f = functions.byName(function).orElse(null);
        if (f == null) {
            problems.add(function + " is not in the binary");
            return List.of();
        }
        ByteBuffer buf = elf.readAt(f.entry(), Math.min(Math.max(f.size(), 0), MAX_CODE));
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        List<DataRef> out = new ArrayList<>();
        for (DataRef r : code.dataRefs(bytes, f.entry())) {
            if (isWritableData(r.target())) {
                out.add(r);
            }
        }
        return out;
    }

    private boolean isWritableData(long address) {
        for (ElfSection s : elf.sections()) {
            if ((s.flags() & SHF_WRITE) != 0 && s.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private long offset(String field) throws MissingException {
        Long v = offsets.get(field);
        if (v == null) {
            throw new MissingException("no offset of " + field + " for this Go version");
        }
        return v;
    }

    private static final class MissingException extends Exception {
        MissingException(String message) {
            super(message);
        }
    }
}
