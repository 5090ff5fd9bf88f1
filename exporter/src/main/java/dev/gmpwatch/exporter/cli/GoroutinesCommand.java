package dev.gmpwatch.exporter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.collect.GoroutineReport;
import dev.gmpwatch.exporter.collect.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.collect.SelfMetrics;
import dev.gmpwatch.exporter.collect.StateSampler;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.probe.ProcessMemory;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code goroutines PID [--json]}: every live goroutine of a running Go process, grouped by the
 * function it runs, read from the process's memory (nothing is attached or stopped).
 */
final class GoroutinesCommand {
    static final String USAGE = "usage: gmpwatch-exporter goroutines PID [--json] [--walk.max-goroutines 1000000]";

    private final PrintStream out;
    private final PrintStream err;
    private final Path proc;

    GoroutinesCommand(PrintStream out, PrintStream err, Path proc) {
        this.out = out;
        this.err = err;
        this.proc = proc;
    }

    int run(String[] args) throws UsageException, GoBinaryException, ElfFormatException {
        if (args.length == 0 || args[0].startsWith("--")) {
            throw new UsageException("goroutines: which process? " + USAGE);
        }
        long pid;
        try {
            pid = Long.parseLong(args[0]);
        } catch (NumberFormatException e) {
            throw new UsageException("goroutines: '" + args[0] + "' is not a process id");
        }
        Flags f = Flags.parse(java.util.Arrays.copyOfRange(args, 1, args.length), Set.of("walk.max-goroutines"), Set.of("json"));
        long max;
        try {
            max = Long.parseLong(f.get("walk.max-goroutines", "1000000"));
        } catch (NumberFormatException e) {
            throw new UsageException("--walk.max-goroutines takes a positive integer");
        }
        if (max <= 0) {
            throw new UsageException("--walk.max-goroutines takes a positive integer");
        }
        Path exeLink = proc.resolve(pid + "/exe");
        String exeName;
        try {
            exeName = Path.of(Files.readSymbolicLink(exeLink).toString().replace(" (deleted)", "")).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            err.println("gmpwatch: no process " + pid + " (or not allowed to see it: run as root)");
            return Main.EXIT_FAILURE;
        }
        GoBinary bin = GoBinary.analyze(exeLink);
        Target t;
        try {
            t = new Target(pid, exeName, bin, ProcessMemory.loadBias(proc, pid, bin.pie(), bin.imageBase()), Target.PROBES_OFF);
        } catch (IOException e) {
            err.println("gmpwatch: cannot read the memory map of pid " + pid + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        StateSampler sampler = new StateSampler(proc, Path.of("/sys/fs/cgroup"), new StateSampler.Limits(max, Duration.ZERO), new SelfMetrics());
        List<CreatorRow> rows;
        try {
            rows = sampler.walkNow(t);
        } catch (SnapshotException e) {
            err.println("gmpwatch: cannot read the runtime state of pid " + pid + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        } finally {
            sampler.retain(Set.of());
        }
        if (f.on("json")) {
            try {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(GoroutineReport.json(t, rows)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            GoroutineReport.table(t, rows, out);
        }
        return Main.EXIT_OK;
    }
}
