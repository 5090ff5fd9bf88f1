package dev.gmpwatch.exporter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.collect.GoroutineReport;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.ProgramImage;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoroutineStackReader;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.sampling.Readers;
import dev.gmpwatch.exporter.sampling.StateSampler;
import dev.gmpwatch.exporter.stacks.StackDiff;
import dev.gmpwatch.exporter.stacks.StackPprof;
import dev.gmpwatch.exporter.stacks.StackProfile;
import dev.gmpwatch.exporter.stacks.StackText;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code goroutines PID [--json]}: every live goroutine of a running Go process, grouped by the
 * function it runs, read from the process's memory (nothing is attached or stopped). With
 * {@code --stacks} or {@code --pprof FILE}, where each goroutine is blocked: its stack, unwound
 * from outside, as text or as a pprof goroutine profile.
 */
final class GoroutinesCommand {

    private final PrintStream out;
    private final PrintStream err;
    private final Procfs proc;

    GoroutinesCommand(PrintStream out, PrintStream err, Procfs proc) {
        this.out = out;
        this.err = err;
        this.proc = proc;
    }

    int run(String[] args) throws UsageException, GoBinaryException, ElfFormatException {
        if (args.length == 0 || args[0].startsWith("--")) {
            throw new UsageException("goroutines: which process? " + ExporterFlags.GOROUTINES.usage());
        }
        long pid;
        try {
            pid = Long.parseLong(args[0]);
        } catch (NumberFormatException e) {
            throw new UsageException("goroutines: '" + args[0] + "' is not a process id");
        }
        Flags f = Flags.parse(java.util.Arrays.copyOfRange(args, 1, args.length), ExporterFlags.GOROUTINES);
        long max = positive(f, "walk.max-goroutines");
        GoroutineStackReader.Limits stackLimits = GoroutineStackReader.Limits.of(positive(f, "stacks.max-goroutines"),
                positive(f, "stacks.max-frames"));
        String since = f.get("since");
        String by = f.get("by");
        if (by != null && (!by.startsWith("label:") || by.length() == "label:".length())) {
            throw new UsageException("goroutines: --by takes label:KEY (the pprof label to group by), not '" + by + "'");
        }
        int outputs = (f.on("json") && since == null && by == null ? 1 : 0) + (f.on("stacks") ? 1 : 0)
                + (f.all("pprof").isEmpty() ? 0 : 1) + (since == null ? 0 : 1) + (by == null ? 0 : 1);
        if (outputs > 1) {
            throw new UsageException("goroutines: choose one of --json, --stacks, --pprof FILE, --since FILE and --by label:KEY");
        }
        Map<List<String>, Long> then = null;
        if (since != null) {
            try {
                then = StackDiff.stacks(Files.readAllBytes(Path.of(since)));
            } catch (java.nio.file.NoSuchFileException e) {
                err.println("gmpwatch: --since " + since + ": no such file");
                return Main.EXIT_FAILURE;
            } catch (IOException e) {
                err.println("gmpwatch: --since " + since + ": " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
        }
        Path exeLink;
        String exeName;
        try {
            ProgramImage image = ProgramImage.of(proc, pid);
            exeLink = image.link();
            exeName = image.name();
        } catch (IOException e) {
            err.println("gmpwatch: no process " + pid + " (or not allowed to see it: run as root)");
            return Main.EXIT_FAILURE;
        }
        GoBinary bin = GoBinary.analyze(exeLink);
        Target t;
        try {
            t = new Target(pid, exeName, bin, ProcessMemory.loadBias(proc, pid, bin.pie(), bin.imageBase()), Target.PROBES_OFF,
                    ContainerIdentity.of(proc, pid));
        } catch (IOException e) {
            err.println("gmpwatch: cannot read the memory map of pid " + pid + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        if (then != null) {
            return diff(t, stackLimits, then, since, f.on("json"));
        }
        if (by != null) {
            return byLabel(t, stackLimits, by.substring("label:".length()), f.on("json"));
        }
        if (f.on("stacks") || !f.all("pprof").isEmpty()) {
            return stacks(t, exeLink, stackLimits, f.get("pprof"));
        }
        Readers readers = new Readers(proc, max, StateSampler.Limits.DEFAULT_HISTORY);
        List<CreatorRow> rows;
        try {
            rows = readers.walkNow(t);
        } catch (SnapshotException e) {
            err.println("gmpwatch: cannot read the runtime state of pid " + pid + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        } finally {
            readers.retain(Set.of());
        }
        if (f.on("json")) {
            printJson(GoroutineReport.json(t, rows));
        } else {
            GoroutineReport.table(t, rows, out);
        }
        return Main.EXIT_OK;
    }

    /**
     * Live goroutines counted by the value of one pprof label, largest first; goroutines without
     * it count under "" (shown as "(none)"). Labels are read with the stacks, never for a scrape.
     */
    private int byLabel(Target t, GoroutineStackReader.Limits limits, String key, boolean json) {
        StackProfile p;
        try (ProcessReader reader = ProcessReader.open(proc, t.pid(), t.binary(), t.loadBias())) {
            p = StackProfile.read(t.pid(), t.exe(), reader, limits);
        } catch (SnapshotException e) {
            err.println("gmpwatch: cannot read the goroutines of pid " + t.pid() + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        Map<String, Long> counts = new java.util.HashMap<>();
        p.groups().forEach(g -> counts.merge(g.labels().getOrDefault(key, ""), g.count(), Long::sum));
        List<Map.Entry<String, Long>> rows = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey())).toList();
        if (json) {
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("pid", t.pid());
            body.put("label", key);
            body.put("goroutines", p.total());
            body.put("values", rows.stream().map(e -> Map.of("value", e.getKey(), "count", e.getValue())).toList());
            printJson(body);
        } else {
            out.printf("pid %d (%s): %d live goroutines by pprof label %s%n%n%8s  %s%n", t.pid(), t.exe(), p.total(), key,
                    "COUNT", "VALUE");
            rows.forEach(e -> out.printf("%8d  %s%n", e.getValue(), e.getKey().isEmpty() ? "(none)" : e.getKey()));
        }
        return Main.EXIT_OK;
    }

    /** The process's stacks now against a profile saved earlier. */
    private int diff(Target t, GoroutineStackReader.Limits limits, Map<List<String>, Long> then, String since, boolean json) {
        StackDiff d;
        try (ProcessReader reader = ProcessReader.open(proc, t.pid(), t.binary(), t.loadBias())) {
            d = StackDiff.between(then, StackDiff.stacks(StackProfile.read(t.pid(), t.exe(), reader, limits)));
        } catch (SnapshotException | IOException e) {
            err.println("gmpwatch: cannot read the goroutine stacks of pid " + t.pid() + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        String what = "pid " + t.pid() + " (" + t.exe() + ") since " + since;
        if (json) {
            printJson(d.json(what));
        } else {
            d.write(what, new PrintWriter(out, false, StandardCharsets.UTF_8));
        }
        return Main.EXIT_OK;
    }

    private int stacks(Target t, Path exeLink, GoroutineStackReader.Limits limits, String pprofFile) {
        StackProfile p;
        try (ProcessReader reader = ProcessReader.open(proc, t.pid(), t.binary(), t.loadBias())) {
            p = StackProfile.read(t.pid(), t.exe(), reader, limits);
        } catch (SnapshotException e) {
            err.println("gmpwatch: cannot read the goroutine stacks of pid " + t.pid() + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        if (pprofFile == null) {
            StackText.write(p, new PrintWriter(out, false, StandardCharsets.UTF_8));
            return Main.EXIT_OK;
        }
        Path file = Path.of(pprofFile);
        try (OutputStream o = Files.newOutputStream(file)) {
            StackPprof.write(p, exeLink.toString(), o);
        } catch (IOException e) {
            err.println("gmpwatch: cannot write " + file + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        err.printf("gmpwatch: wrote %s: %d goroutines in %d stacks (%d without a complete stack); open it with go tool pprof%n",
                file, p.total(), p.groups().size(), p.incomplete());
        return Main.EXIT_OK;
    }

    /** Pretty-printed JSON on stdout; the bodies are plain maps and lists, which always serialize. */
    private void printJson(Object body) {
        try {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long positive(Flags f, String name) throws UsageException {
        try {
            long v = Long.parseLong(f.get(name));
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--" + name + " takes a positive integer");
    }
}
