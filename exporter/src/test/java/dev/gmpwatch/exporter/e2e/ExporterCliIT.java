package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exporter's command line as an operator meets it: bad input, missing privileges, no side effects. */
class ExporterCliIT {
    private static Command.Result exporter(List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("java", "-jar", System.getProperty("gmpwatch.exporterJar")));
        cmd.addAll(List.of(args));
        return Command.run(cmd, Map.of(), null, Duration.ofMinutes(1));
    }

    @Test
    void badFlagsGetAUsageLineAndExitCode2() {
        for (String[] args : new String[][] {
            {"--frobnicate"}, {"--pid", "abc"}, {"--pid"}, {"--discover.interval", "soon"},
            {"--web.listen-address", "nope"}, {"--discover.match", "("}, {"--exe", "/no/such/binary"},
            {"--creators.top-k", "0"}, {"--discover=maybe"}}) {
            Command.Result r = exporter(List.of(), args);
            assertEquals(2, r.exitCode(), List.of(args) + ": " + r.stderr());
            assertTrue(r.stderr().startsWith("gmpwatch: "), r.stderr());
            assertTrue(r.stderr().contains("usage: gmpwatch-exporter"), r.stderr());
            assertFalse(r.stderr().contains("Exception"), r.stderr());
        }
    }

    @Test
    void withoutPrivilegesItNamesTheMissingCapabilitiesAndExits1() throws Exception {
        Path jar = Path.of(System.getProperty("gmpwatch.exporterJar"));
        Path copy = Files.createTempFile("gmpwatch-exporter", ".jar");
        Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        copy.toFile().setReadable(true, false);
        Command.Result r = Command.run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "java", "-jar", copy.toString(), "--pid", "1"), Map.of(), Path.of("/tmp"), Duration.ofMinutes(1));
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("missing capabilities CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
    }

    @Test
    void aTracedProgramPrintsAndExitsExactlyAsUntraced() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        String script = "spawn 2000\npark 10\nrelease\nsleep 5 5\ngc 2\nleak 3\nunknown\nexit\n";
        Command.Result untraced = runWithInput(bin, script);
        try (ExporterProcess exporter = ExporterProcess.start("--exe", bin.toString(), "--discover.interval", "1s")) {
            Command.Result traced = runWithInput(bin, script);
            assertEquals(untraced.exitCode(), traced.exitCode(), "exit code");
            assertEquals(withoutPid(untraced.stdout()), withoutPid(traced.stdout()), "output");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String exe = "exe=\"" + bin.getFileName() + "\"";
            while (!exporter.scrape().text.contains("gmpwatch_goroutines_created_total{pid=") || !exporter.scrape().text.contains(exe)) {
                assertTrue(System.nanoTime() < deadline, "the traced run was never counted");
                Thread.sleep(25);
            }
        }
    }

    private static Command.Result runWithInput(Path bin, String input) throws Exception {
        Path in = Files.createTempFile("spawner", ".in");
        Files.writeString(in, input);
        return Command.run(List.of("sh", "-c", "'" + bin + "' < '" + in + "'"), Map.of(), null, Duration.ofMinutes(1));
    }

    private static String withoutPid(String out) {
        return out.replaceFirst("^ready \\d+\\n", "ready\n");
    }
}
