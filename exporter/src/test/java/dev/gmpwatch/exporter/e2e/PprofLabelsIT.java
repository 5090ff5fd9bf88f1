package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * pprof labels read from outside, on every toolchain (the labelMap is a map through Go 1.23 and a
 * slice since 1.24): the stuck fixture sets {tenant=acme, request=42} with pprof.Do and
 * {worker=7 "quoted"} with SetGoroutineLabels. They must appear exactly in the stack text, in the
 * pprof profile as go tool pprof -tags shows it, and in goroutines PID --by label:KEY.
 */
class PprofLabelsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Stream<GoToolchain> toolchains() {
        return GoToolchain.all().stream();
    }

    private static Command.Result cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty("gmpwatch.exporterJar")));
        cmd.addAll(List.of(args));
        Command.Result r = Command.run(cmd, Map.of(), null, Duration.ofMinutes(1));
        assertEquals(0, r.exitCode(), String.join(" ", args) + ": " + r.stderr());
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void labelsAppearInTheTextTheProfileAndTheGrouping(GoToolchain go) throws Exception {
        try (FixtureProcess fx = FixtureProcess.start(GoFixtures.build(go, "stuck", GoFixtures.Variant.NORMAL))) {
            fx.await("ready", Duration.ofSeconds(60));
            String pid = Long.toString(fx.pid());
            String text = cli("goroutines", pid, "--stacks").stdout();
            assertTrue(text.contains("\n# labels: {\"request\":\"42\", \"tenant\":\"acme\"}\n"), go + ":\n" + text);
            assertTrue(text.contains("\n# labels: {\"worker\":\"7 \\\"quoted\\\"\"}\n"), go + ":\n" + text);

            Path profile = dir.resolve("goroutine.pb.gz");
            cli("goroutines", pid, "--pprof", profile.toString());
            GoToolchain newest = GoToolchain.newest();
            Command.Result tags = Command.run(newest.command("tool", "pprof", "-tags", profile.toString()), newest.env(), null,
                    Duration.ofMinutes(1));
            assertEquals(0, tags.exitCode(), tags.stderr());
            assertTrue(tags.stdout().matches("(?s).*tenant: Total 1 of \\d+.*1 \\(.*\\): acme.*"), go + ":\n" + tags.stdout());
            assertTrue(tags.stdout().matches("(?s).*request: Total 1 of \\d+.*1 \\(.*\\): 42.*"), go + ":\n" + tags.stdout());
            assertTrue(tags.stdout().matches("(?s).*worker: Total 1 of \\d+.*1 \\(.*\\): 7 \"quoted\".*"), go + ":\n" + tags.stdout());

            JsonNode by = JSON.readTree(cli("goroutines", pid, "--by", "label:tenant", "--json").stdout());
            long total = by.get("goroutines").asLong();
            assertEquals(2, by.get("values").size(), by.toString());
            assertEquals("", by.get("values").get(0).get("value").asText(), by.toString());
            assertEquals(total - 1, by.get("values").get(0).get("count").asLong(), by.toString());
            assertEquals("acme", by.get("values").get(1).get("value").asText(), by.toString());
            assertEquals(1, by.get("values").get(1).get("count").asLong(), by.toString());
        }
    }
}
