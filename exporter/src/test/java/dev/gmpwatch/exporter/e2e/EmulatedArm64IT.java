package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A stripped arm64 release build running under qemu-user, as on an x86 CI machine, seen through
 * the whole exporter with no special flag: discovery finds the guest program by its own path, the
 * default mode serves it, --probes says in one line and in probe_mode that it cannot probe arm64,
 * and the CLI's goroutines, inspect and processes commands work on it.
 */
class EmulatedArm64IT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void anEmulatedStrippedArm64ProgramIsServedAndProbesAreRefusedInOneLine() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.STRIPPED, Machine.ARM64);
        try (FixtureProcess fx = FixtureProcess.start(Machine.ARM64, bin)) {
            fx.await("ready", WAIT);
            fx.send("leak 12");
            fx.await("done", WAIT);
            String pid = Long.toString(fx.pid());
            try (ExporterProcess exporter = ExporterProcess.start("--probes", "--discover", "--discover.match",
                    "^" + java.util.regex.Pattern.quote(bin.toString()) + "$", "--discover.interval", "200ms")) {
                Scrape s = exporter.awaitWatching(fx.pid());
                assertEquals(1, s.value("gmpwatch_target_info", "pid", pid, "exe", bin.getFileName().toString(),
                        "probe_mode", "unsupported_arch", "status", "watching"), s.text);
                assertEquals(12, s.value("gmpwatch_goroutines_by_creator", "pid", pid, "creator", "main.leaker"), s.text);
                exporter.scrape();
                long lines = exporter.logText().lines().filter(l -> l.contains("per-event probes are amd64-only")).count();
                assertEquals(1, lines, "one line says why:\n" + exporter.logText());
            }

            Command.Result stacks = cli("goroutines", pid, "--stacks");
            assertEquals(0, stacks.exitCode(), stacks.stderr());
            assertTrue(stacks.stdout().contains("\n12 @ ") && stacks.stdout().contains("main.leaker"), stacks.stdout());

            Command.Result processes = cli("processes");
            assertEquals(0, processes.exitCode(), processes.stderr());
            assertTrue(processes.stdout().lines().anyMatch(l -> l.startsWith(pid + " ") && l.contains("amd64-only")
                    && l.contains(bin + " (under ")), processes.stdout());
        }
        Command.Result inspect = cli("inspect", bin.toString());
        assertEquals(0, inspect.exitCode(), inspect.stderr());
        assertTrue(inspect.stdout().contains("machine      arm64\n"), inspect.stdout());
        assertTrue(inspect.stdout().contains("probes       none: per-event probes are amd64-only; this is an arm64 binary"), inspect.stdout());
        assertTrue(inspect.stdout().contains("(address, from code: runtime.schedtrace's first address taken is sched.lock"), inspect.stdout());
        assertTrue(inspect.stdout().contains("struct offsets (from table)"), inspect.stdout());
    }

    private static Command.Result cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty("gmpwatch.exporterJar")));
        cmd.addAll(List.of(args));
        return Command.run(cmd, Map.of(), null, Duration.ofMinutes(1));
    }
}
