package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.ElfSection;
import dev.gmpwatch.exporter.x86.Instruction.Access;
import dev.gmpwatch.exporter.x86.Instruction.RipOperand;
import dev.gmpwatch.exporter.x86.RipOperands;
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

    /** What was recovered, and why the rest was not. */
    record Recovery(Map<String, Long> globals, List<String> problems) {
    }

    private final ElfFile elf;
    private final FunctionTable functions;
    private final Map<String, Long> offsets;
    private final Map<String, Long> found = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    private StrippedGlobals(ElfFile elf, FunctionTable functions, Map<String, Long> offsets) {
        this.elf = elf;
        this.functions = functions;
        this.offsets = offsets;
    }

    static Recovery recover(ElfFile elf, FunctionTable functions, Map<String, Long> offsets) {
        StrippedGlobals s = new StrippedGlobals(elf, functions, offsets);
        s.run();
        return new Recovery(Map.copyOf(s.found), List.copyOf(s.problems));
    }

    private void run() {
        try {
            List<RipOperand> trace = refs("runtime.schedtrace");
            List<RipOperand> resize = refs("runtime.procresize");
            Optional<Long> sched = schedCandidate(trace);
            if (sched.isPresent()) {
                boolean confirmed = loads(trace, sched.get() + offset("runtime.schedt.mnext"), 8)
                        && loads(trace, sched.get() + offset("runtime.schedt.nmfreed"), 8);
                confirm("runtime.sched", sched.get(), confirmed).ifPresent(a -> found.put("runtime.sched", a));
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
    private Optional<Long> schedCandidate(List<RipOperand> trace) throws MissingException {
        Optional<RipOperand> lea = trace.stream().filter(r -> r.access() == Access.LEA).findFirst();
        if (lea.isEmpty()) {
            problems.add("runtime.sched: runtime.schedtrace takes no address of data");
            return Optional.empty();
        }
        return Optional.of(lea.get().target() - offset("runtime.schedt.lock"));
    }

    /** The first 4-byte load outside sched, in schedtrace and in procresize alike. */
    private void gomaxprocs(List<RipOperand> trace, List<RipOperand> resize, long sched, long schedEnd) {
        Optional<Long> a = firstLoad(trace, 4, sched, schedEnd);
        Optional<Long> b = firstLoad(resize, 4, sched, schedEnd);
        if (a.isPresent()) {
            confirm("runtime.gomaxprocs", a.get(), a.equals(b)).ifPresent(v -> found.put("runtime.gomaxprocs", v));
        } else {
            problems.add("runtime.gomaxprocs: no 4-byte load in runtime.schedtrace");
        }
    }

    /** procresize stores all three words of the allp slice; schedtrace loads its pointer. */
    private void allp(List<RipOperand> trace, List<RipOperand> resize) {
        Set<Long> stored8 = new LinkedHashSet<>();
        resize.stream().filter(r -> r.access() == Access.STORE && r.size() == 8).forEach(r -> stored8.add(r.target()));
        Optional<Long> slice = stored8.stream().filter(x -> stored8.contains(x + 8) && stored8.contains(x + 16)).sorted().findFirst();
        if (slice.isEmpty()) {
            problems.add("runtime.allp: runtime.procresize stores no slice header");
            return;
        }
        confirm("runtime.allp", slice.get(), loads(trace, slice.get(), 8)).ifPresent(v -> found.put("runtime.allp", v));
    }

    /**
     * allgadd compares allgs[0] with allgptr and stores allglen through its address (the other
     * address it takes is allglock's); forEachGRace loads allglen, then allgptr.
     */
    private void allg() throws ElfFormatException {
        List<RipOperand> add = refs("runtime.allgadd");
        Optional<Long> ptr = add.stream().filter(r -> r.access() == Access.COMPARE && r.size() == 8)
                .map(RipOperand::target).findFirst();
        Set<Long> words = new LinkedHashSet<>();
        add.stream().filter(r -> r.size() == 8).forEach(r -> words.add(r.target()));
        Optional<Long> allgs = words.stream().filter(x -> words.contains(x + 8) && words.contains(x + 16)).findFirst();
        // allglock's address is taken first (lock); the slice header allgs is not a candidate
        List<Long> leas = add.stream().filter(r -> r.access() == Access.LEA).map(RipOperand::target)
                .filter(a -> allgs.isEmpty() || a < allgs.get() || a > allgs.get() + 16).distinct().toList();
        if (ptr.isEmpty() || leas.size() < 2) {
            problems.add("runtime.allgptr, runtime.allglen: runtime.allgadd does not have the expected shape");
            return;
        }
        Optional<Long> len = leas.stream().skip(1).filter(a -> !a.equals(ptr.get())).findFirst();
        List<Long> race = refs("runtime.forEachGRace").stream().filter(r -> r.access() == Access.LOAD && r.size() == 8)
                .map(RipOperand::target).limit(2).toList();
        boolean confirmed = len.isPresent() && race.equals(List.of(len.get(), ptr.get()));
        confirm("runtime.allgptr", ptr.get(), confirmed).ifPresent(v -> found.put("runtime.allgptr", v));
        if (len.isPresent()) {
            confirm("runtime.allglen", len.get(), confirmed).ifPresent(v -> found.put("runtime.allglen", v));
        }
    }

    /**
     * gcMarkTermination reads memstats.numgc modulo 256 (a byte load) and increments it; the GC CPU
     * limiter loads it as a word.
     */
    private void memstats() throws ElfFormatException, MissingException {
        List<RipOperand> term = refs("runtime.gcMarkTermination");
        Set<Long> byteLoads = new LinkedHashSet<>();
        term.stream().filter(r -> r.access() == Access.LOAD && r.size() == 1).forEach(r -> byteLoads.add(r.target()));
        Optional<Long> numgc = term.stream().filter(r -> r.access() == Access.INCREMENT && r.size() == 4)
                .map(RipOperand::target).filter(byteLoads::contains).findFirst();
        if (numgc.isEmpty()) {
            problems.add("runtime.memstats: runtime.gcMarkTermination has no counter read modulo 256 and incremented");
            return;
        }
        long memstats = numgc.get() - offset("runtime.mstats.numgc");
        Long pauseDist = offsets.get("runtime.mstats.gcPauseDist");
        // Go 1.17-1.21 record GC pauses into memstats.gcPauseDist, whose address the same function takes.
        boolean confirmed = pauseDist != null && term.stream()
                .anyMatch(r -> r.access() == Access.LEA && r.target() == memstats + pauseDist);
        for (String fn : List.of("runtime.(*gcCPULimiterState).accumulate", "runtime.(*gcCPULimiterState).resetCapacity",
                "runtime.gcMarkTermination.func4", "runtime.readGCStats_m")) {
            if (!confirmed && functions.byName(fn).isPresent() && loads(refs(fn), numgc.get(), 4)) {
                confirmed = true;
                break;
            }
        }
        confirm("runtime.memstats", memstats, confirmed)
                .ifPresent(v -> found.put("runtime.memstats", v));
    }

    private Optional<Long> confirm(String name, long address, boolean confirmed) {
        if (!confirmed) {
            problems.add(name + ": 0x" + Long.toHexString(address) + " was not confirmed by a second function");
            return Optional.empty();
        }
        return Optional.of(address);
    }

    private static Optional<Long> firstLoad(List<RipOperand> refs, int size, long skipFrom, long skipTo) {
        return refs.stream().filter(r -> r.access() == Access.LOAD && r.size() == size)
                .map(RipOperand::target).filter(a -> a < skipFrom || a >= skipTo).findFirst();
    }

    private static boolean loads(List<RipOperand> refs, long address, int size) {
        return refs.stream().anyMatch(r -> r.access() == Access.LOAD && r.size() == size && r.target() == address);
    }

    /** A function's references to writable data. */
    private List<RipOperand> refs(String function) throws ElfFormatException {
        GoFunction f = functions.byName(function).orElse(null);
        if (f == null) {
            problems.add(function + " is not in the binary");
            return List.of();
        }
        ByteBuffer buf = elf.readAt(f.entry(), Math.min(Math.max(f.size(), 0), MAX_CODE));
        byte[] code = new byte[buf.remaining()];
        buf.get(code);
        List<RipOperand> out = new ArrayList<>();
        for (RipOperand r : RipOperands.scan(code, f.entry())) {
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
