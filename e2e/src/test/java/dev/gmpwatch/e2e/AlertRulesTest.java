package dev.gmpwatch.remediator;

import dev.gmpwatch.remediator.testing.Repo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The rules in alerts/ pass promtool's checks and their own unit tests (real promtool from Debian's prometheus). */
class AlertRulesTest {
    private static final Path ALERTS = Repo.root().resolve("alerts");

    @Test
    void rulesAreValid() throws Exception {
        List<String> files = files(ALERTS, ".rules.yml");
        assertFalse(files.isEmpty(), "no rule files in " + ALERTS);
        List<String> cmd = new ArrayList<>(List.of("promtool", "check", "rules"));
        cmd.addAll(files);
        promtool(cmd, ALERTS);
    }

    @Test
    void ruleUnitTestsPass() throws Exception {
        Path tests = ALERTS.resolve("tests");
        List<String> files = files(tests, ".yml");
        assertFalse(files.isEmpty(), "no rule tests in " + tests);
        List<String> cmd = new ArrayList<>(List.of("promtool", "test", "rules"));
        cmd.addAll(files);
        promtool(cmd, tests);
    }

    private static List<String> files(Path dir, String suffix) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    private static void promtool(List<String> cmd, Path dir) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/promtool"))) {
            throw new AssertionError("promtool is missing (Debian package prometheus); run scripts/setup.sh");
        }
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("promtool timed out");
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    }
}
