package dev.gmpwatch.exporter.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.StackSymbols.SourceFrame;
import dev.gmpwatch.exporter.gobinary.StackSymbols;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoroutineCensus;
import dev.gmpwatch.exporter.runtime.GoroutineStackReader;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.testing.GoroutineDump;
import dev.gmpwatch.exporter.testing.Repo;
import dev.gmpwatch.exporter.testing.RuntimeDumps;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What gmpwatch reads of a process from outside, set against the goroutine dump the same process
 * prints when it is killed right after: the live count, the count per state or wait reason, per
 * entry function, and the multiset of stacks. The process is stopped for the read and dumped
 * before it runs again. The dump is at crash level: its runtime goroutines are dropped, and so
 * are the compiler's wrappers (by the binary's own wrapper mark), as the goroutine profile drops them.
 */
final class DumpComparison {
    private static final Procfs PROC = Procfs.HOST;

    /** One side of the comparison; wrapperEntries: goroutines counted under their wrapper's name (the dump's side only). */
    record Side(long live, Map<String, Long> byState, Map<String, Long> byEntry, Map<List<String>, Long> stacks,
            long wrapperEntries) {
    }

    final Side ours;
    final Side dump;
    final String goVersion;
    private final Path dumpFile;

    private DumpComparison(Side ours, Side dump, String goVersion, Path dumpFile) {
        this.ours = ours;
        this.dump = dump;
        this.goVersion = goVersion;
        this.dumpFile = dumpFile;
    }

    /** Where a process's stderr, and so its dump, is kept for a look after a failure. */
    static Path dumpFile(String name) throws java.io.IOException {
        Path dir = Repo.scratch("dumps");
        java.nio.file.Files.createDirectories(dir);
        return dir.resolve(name + ".txt");
    }

    /** Reads the process (its binary at {@code bin}, its stderr in {@code stderr}), then dumps it. */
    static DumpComparison readThenDump(Path bin, long pid, Path stderr) throws Exception {
        GoBinary binary = GoBinary.analyze(bin);
        long bias = ProcessMemory.loadBias(PROC, pid, binary.pie(), binary.imageBase());
        RuntimeDumps.stop(pid);
        Side ours;
        try (ProcessReader reader = ProcessReader.open(PROC, pid, binary, bias)) {
            GoroutineCensus census = reader.census(10_000_000);
            StackProfile stacks = StackProfile.read(pid, bin.getFileName().toString(), reader,
                    new GoroutineStackReader.Limits(10_000_000, GoroutineDump.MAX_FRAMES));
            Map<String, Long> states = new TreeMap<>(census.waitingByReason());
            census.byState().forEach((s, n) -> {
                if (!s.equals("waiting")) {
                    states.merge(s, n, Long::sum);
                }
            });
            Map<String, Long> entries = new TreeMap<>();
            census.creators().values().forEach(c -> entries.merge(c.function(), c.count(), Long::sum));
            Map<List<String>, Long> frames = PprofFiles.stacks(pprof(stacks, bin));
            frames.remove(List.of()); // running goroutines: no stack to compare
            ours = new Side(census.live(), states, entries, frames, 0);
        }
        GoroutineDump d = RuntimeDumps.dump(pid, stderr);
        return new DumpComparison(ours, side(d, binary.stackSymbols(), bias, ours.byEntry().keySet()), binary.goVersion(), stderr);
    }

    /**
     * The dump's side. A goroutine's entry is its outermost frame that is not a wrapper, except
     * where gmpwatch names the wrapper itself: a wrapper that calls a func value (on Go 1.17-1.21
     * also a function literal with arguments, or an interface method) calls through a register,
     * which no static reading resolves. Those are counted in {@link Side#wrapperEntries()}.
     */
    private static Side side(GoroutineDump d, StackSymbols symbols, long bias, Set<String> ourEntries) throws GoBinaryException {
        Set<String> wrappers = wrappers(d, symbols, bias);
        Map<String, Long> states = new TreeMap<>();
        Map<String, Long> entries = new TreeMap<>();
        Map<List<String>, Long> stacks = new java.util.HashMap<>();
        long wrapperEntries = 0;
        List<GoroutineDump.Goroutine> user = d.user();
        for (GoroutineDump.Goroutine g : user) {
            states.merge(g.state(), 1L, Long::sum);
            List<String> frames = new ArrayList<>();
            String entry = "";
            for (GoroutineDump.Frame f : g.frames()) {
                // The profile leaves out runtime.goexit, the frame every goroutine returns to.
                if (!wrappers.contains(f.function()) && !f.function().equals("runtime.goexit")) {
                    frames.add(f.text());
                    entry = f.function();
                }
            }
            if (wrappers.contains(g.entry()) && ourEntries.contains(g.entry())) {
                entry = g.entry();
                wrapperEntries++;
            }
            entries.merge(entry, 1L, Long::sum);
            if (!g.state().equals("running")) {
                stacks.merge(List.copyOf(frames), 1L, Long::sum);
            }
        }
        return new Side(user.size(), states, entries, stacks, wrapperEntries);
    }

    /** The functions of the dump that the binary marks as compiler wrappers. */
    private static Set<String> wrappers(GoroutineDump d, StackSymbols symbols, long bias) throws GoBinaryException {
        Set<String> out = new HashSet<>();
        for (GoroutineDump.Goroutine g : d.goroutines()) {
            for (int i = 0; i < g.frames().size(); i++) {
                long pc = g.frames().get(i).pc();
                if (pc < 0) {
                    continue;
                }
                long link = pc - bias;
                var frame = symbols.at(link, i == 0 ? link : link - 1);
                if (frame.isPresent()) {
                    frame.get().frames().stream().filter(SourceFrame::wrapper).map(SourceFrame::function).forEach(out::add);
                }
            }
        }
        return out;
    }

    private static dev.gmpwatch.exporter.pprof.proto.Profile pprof(StackProfile p, Path bin) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StackPprof.write(p, bin.toString(), buf);
        return PprofFiles.parse(buf.toByteArray());
    }

    /** The stacks whose counts differ, each with both counts; "" when none. */
    private static String difference(Map<List<String>, Long> dump, Map<List<String>, Long> ours) {
        StringBuilder out = new StringBuilder();
        Set<List<String>> all = new HashSet<>(dump.keySet());
        all.addAll(ours.keySet());
        for (List<String> stack : all) {
            long d = dump.getOrDefault(stack, 0L);
            long o = ours.getOrDefault(stack, 0L);
            if (d != o) {
                out.append("dump ").append(d).append(", gmpwatch ").append(o).append(":\n  ")
                        .append(String.join("\n  ", stack)).append('\n');
            }
        }
        return out.toString();
    }

    /** Every figure equal, each with its own message. */
    void assertAgree(String name) {
        String what = name + " (dump in " + dumpFile + ")";
        assertEquals(dump.live(), ours.live(), what + ": live goroutines");
        assertEquals(dump.byState(), ours.byState(), what + ": goroutines by state and wait reason");
        assertEquals("", difference(dump.stacks(), ours.stacks()), what + ": stacks, frame for frame");
        assertEquals(dump.byEntry(), ours.byEntry(), what + ": goroutines by entry function");
        if (dev.gmpwatch.exporter.gobinary.GoVersion.minorNumber(goVersion) >= 22) {
            assertEquals(0, dump.wrapperEntries(), what + ": since Go 1.22 the wrappers of these go statements call directly");
        }
    }
}
