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
            {"--creators.top-k", "0"}, {"--discover=maybe"}, {"--walk.max-goroutines", "0"}, {"--walk.min-interval", "often"},
            {"--probes=perhaps"}, {"--collector.walk", "--no-collector.walk"}, {"--collector.probes"},
            {"--collector.kubernetes"}, {"--sched.sample-rate", "0"}, {"--sched.sample-rate", "fast"},
            {"--collector.kernel"}}) {
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
        for (List<String> flags : List.of(List.of("--pid", "1"), List.of("--probes", "--pid", "1"),
                List.of("--kernel.runqueue", "--pid", "1"))) {
            List<String> cmd = new java.util.ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=-all", "java", "-jar", copy.toString()));
            cmd.addAll(flags);
            Command.Result r = Command.run(cmd, Map.of(), Path.of("/tmp"), Duration.ofMinutes(1));
            assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
            String expected = flags.contains("--probes") || flags.contains("--kernel.runqueue")
                    ? "missing capabilities CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE"
                    : "missing capabilities CAP_SYS_PTRACE"; // reading memory needs only this one
            assertTrue(r.stderr().contains(expected + ":"), flags + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
        }
    }

    @Test
    void goroutinesCommandGroupsEveryLiveGoroutine() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.STRIPPED);
        try (dev.gmpwatch.exporter.testing.FixtureProcess fx = dev.gmpwatch.exporter.testing.FixtureProcess.start(bin)) {
            fx.await("ready", Duration.ofSeconds(60));
            fx.send("leak 12");
            fx.await("done", Duration.ofSeconds(60));
            fx.send("doze 4");
            fx.await("done", Duration.ofSeconds(60));
            String pid = Long.toString(fx.pid());
            Command.Result table = exporter(List.of(), "goroutines", pid);
            assertEquals(0, table.exitCode(), table.stderr());
            assertTrue(table.stdout().contains("17 live goroutines"), table.stdout()); // main + 12 + 4
            assertTrue(table.stdout().matches("(?s).*\\b12  waiting=12 .*chan receive=12 +main\\.leaker\n.*"), table.stdout());
            assertTrue(table.stdout().matches("(?s).*\\b4  waiting=4 .*sleep=4 +main\\.dozer\n.*"), table.stdout());
            Command.Result json = exporter(List.of(), "goroutines", pid, "--json");
            assertEquals(0, json.exitCode(), json.stderr());
            com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.stdout());
            assertEquals(17, body.get("goroutines").asLong(), json.stdout());
            assertEquals("main.leaker", body.get("creators").get(0).get("creator").asText(), json.stdout());
            assertTrue(body.get("creators").get(0).get("goStatement").asText().matches(".*main\\.go:\\d+"), json.stdout());

            Command.Result stacks = exporter(List.of(), "goroutines", pid, "--stacks");
            assertEquals(0, stacks.exitCode(), stacks.stderr());
            assertTrue(stacks.stdout().startsWith("goroutine profile: total 17\n"), stacks.stdout());
            assertTrue(stacks.stdout().contains("\n12 @ ") && stacks.stdout().contains("# state: chan receive 12"), stacks.stdout());
            Command.Result unwritable = exporter(List.of(), "goroutines", pid, "--pprof", "/proc/no/such/dir/p.pb.gz");
            assertEquals(1, unwritable.exitCode(), unwritable.stderr());
            assertTrue(unwritable.stderr().startsWith("gmpwatch: cannot write /proc/no/such/dir/p.pb.gz"), unwritable.stderr());
            assertEquals(1, unwritable.stderr().strip().lines().count(), "one line: " + unwritable.stderr());
        }
        for (List<String> bad : List.of(List.of("goroutines"), List.of("goroutines", "abc"), List.of("goroutines", "1", "--frob"),
                List.of("goroutines", "1", "--stacks", "--json"), List.of("goroutines", "1", "--stacks.max-frames", "0"),
                List.of("goroutines", "1", "--pprof"), List.of("goroutines", "1", "--stacks", "--stacks.max-goroutines", "many"))) {
            Command.Result r = exporter(List.of(), bad.toArray(String[]::new));
            assertEquals(2, r.exitCode(), bad + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), bad + ": one line: " + r.stderr());
        }
        Command.Result gone = exporter(List.of(), "goroutines", "999999999");
        assertEquals(1, gone.exitCode(), gone.stderr());
        assertTrue(gone.stderr().startsWith("gmpwatch: no process 999999999"), gone.stderr());
        Command.Result notGo = exporter(List.of(), "goroutines", Long.toString(ProcessHandle.current().pid()));
        assertEquals(2, notGo.exitCode(), notGo.stderr());
        assertTrue(notGo.stderr().contains("not a Go binary"), notGo.stderr());
    }

    @Test
    void aTracedProgramPrintsAndExitsExactlyAsUntraced() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        String script = "spawn 2000\npark 10\nrelease\nsleep 5 5\ngc 2\nleak 3\nunknown\nexit\n";
        Command.Result untraced = runWithInput(bin, script);
        try (ExporterProcess exporter = ExporterProcess.start("--probes", "--exe", bin.toString(), "--discover.interval", "1s")) {
            Command.Result traced = runWithInput(bin, script);
            assertEquals(untraced.exitCode(), traced.exitCode(), "exit code");
            assertEquals(withoutPid(untraced.stdout()), withoutPid(traced.stdout()), "output");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String exe = "exe=\"" + bin.getFileName() + "\"";
            while (!exporter.scrape().text.contains("gmpwatch_goroutine_transitions_total{pid=") || !exporter.scrape().text.contains(exe)) {
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
