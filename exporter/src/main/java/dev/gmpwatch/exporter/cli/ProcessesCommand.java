package dev.gmpwatch.exporter.cli;

import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.HookedFunction;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.host.ProgramImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code processes}: every running Go process on the host and how gmpwatch would probe it.
 * Binaries are opened through /proc/PID/exe, so processes in other mount namespaces work too.
 */
final class ProcessesCommand {
    private final PrintStream out;
    private final Procfs proc;

    ProcessesCommand(PrintStream out, Procfs proc) {
        this.out = out;
        this.proc = proc;
    }

    int run(String[] args) throws UsageException {
        if (args.length > 0) {
            throw new UsageException("processes: takes no arguments");
        }
        Map<String, Optional<GoBinary>> byExe = new HashMap<>();
        int goProcesses = 0;
        out.printf("%-8s %-10s %-22s %s%n", "PID", "GO", "PROBES", "EXECUTABLE");
        for (long pid : proc.pids()) {
            Path exe;
            String target;
            try {
                ProgramImage image = ProgramImage.of(proc, pid);
                exe = image.link();
                target = image.path() + image.emulator().map(e -> " (under " + e + ")").orElse("");
            } catch (IOException e) {
                continue; // kernel thread, exited, or not ours to read
            }
            Optional<GoBinary> bin = byExe.computeIfAbsent(target, t -> analyze(exe));
            if (bin.isEmpty()) {
                continue;
            }
            goProcesses++;
            out.printf("%-8d %-10s %-22s %s%n", pid, bin.get().goVersion(), probeSummary(bin.get()), target);
        }
        if (goProcesses == 0) {
            out.println("(no Go processes are running)");
        }
        return Main.EXIT_OK;
    }

    private static Optional<GoBinary> analyze(Path exe) {
        try {
            return Optional.of(GoBinary.analyze(exe));
        } catch (GoBinaryException | ElfFormatException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String probeSummary(GoBinary bin) {
        if (bin.probesUnsupported().isPresent()) {
            return "amd64-only";
        }
        try {
            List<HookedFunction> fns = bin.hookedFunctions();
            long emulated = fns.stream().filter(f -> f.probeMode().equals("emulated")).count();
            return emulated + "/" + fns.size() + " emulated";
        } catch (ElfFormatException e) {
            return "unreadable";
        }
    }

}
