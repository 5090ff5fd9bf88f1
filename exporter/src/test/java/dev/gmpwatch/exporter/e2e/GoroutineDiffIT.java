package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Diffs between two reads of a fixture that leaks 100 goroutines at one place, by the command
 * (against a profile saved earlier) and by the API (against the previous stack read): exactly
 * +100 at that stack and nothing else.
 */
class GoroutineDiffIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Command.Result cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty("gmpwatch.exporterJar")));
        cmd.addAll(List.of(args));
        return Command.run(cmd, Map.of(), null, Duration.ofMinutes(1));
    }

    @Test
    void theCommandShowsExactlyTheLeakSinceASavedProfile() throws Exception {
        try (FixtureProcess fx = FixtureProcess.start(GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL))) {
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            Path saved = dir.resolve("before.pb.gz");
            Command.Result save = cli("goroutines", pid, "--pprof", saved.toString());
            assertEquals(0, save.exitCode(), save.stderr());
            fx.send("leak 100");
            fx.await("done", WAIT);

            Command.Result r = cli("goroutines", pid, "--since", saved.toString(), "--json");
            assertEquals(0, r.exitCode(), r.stderr());
            JsonNode changes = JSON.readTree(r.stdout()).get("changes");
            assertOnlyTheLeak(changes, r.stdout());

            Command.Result text = cli("goroutines", pid, "--since", saved.toString());
            assertTrue(text.stdout().contains(": +100 goroutines (") && text.stdout().contains("1 stack(s) grew, 0 shrank")
                    && text.stdout().contains("\n+100 (0 -> 100)\n"), text.stdout());

            Command.Result missing = cli("goroutines", pid, "--since", dir.resolve("nothing").toString());
            assertEquals(1, missing.exitCode());
            assertEquals("gmpwatch: --since " + dir.resolve("nothing") + ": no such file", missing.stderr().strip());
            Files.writeString(dir.resolve("notes.txt"), "not a profile\n");
            Command.Result garbage = cli("goroutines", pid, "--since", dir.resolve("notes.txt").toString());
            assertEquals(1, garbage.exitCode());
            assertTrue(garbage.stderr().strip().startsWith("gmpwatch: --since " + dir.resolve("notes.txt") + ": not a gzipped pprof profile"),
                    garbage.stderr());
            assertEquals(1, garbage.stderr().strip().lines().count(), "one line, no stack trace: " + garbage.stderr());
        }
    }

    @Test
    void theApiShowsExactlyTheLeakSinceThePreviousStackRead() throws Exception {
        try (FixtureProcess fx = FixtureProcess.start(GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL));
             ExporterProcess exporter = startWatching(fx)) {
            String path = "/api/v1/goroutines/diff?pid=" + fx.pid();
            String byCreator = "/api/v1/goroutines?pid=" + fx.pid() + "&since=last";
            exporter.get(byCreator); // a walk to compare the next with
            JsonNode first = JSON.readTree(exporter.get(path).body());
            assertFalse(first.get("previous").asBoolean(), "nothing to compare the first read with: " + first);
            fx.send("leak 100");
            fx.await("done", WAIT);
            JsonNode creators = JSON.readTree(exporter.get(byCreator).body());
            assertTrue(creators.get("previous").asBoolean(), creators.toString());
            for (JsonNode c : creators.get("creators")) {
                assertEquals(c.get("creator").asText().equals("main.leaker") ? 100 : 0, c.get("change").asLong(),
                        "since the last walk, only main.leaker grew, by 100: " + creators);
            }
            assertEquals(400, exporter.get("/api/v1/goroutines?pid=" + fx.pid() + "&since=yesterday").statusCode());
            JsonNode second = JSON.readTree(exporter.get(path).body());
            assertTrue(second.get("previous").asBoolean(), second.toString());
            assertOnlyTheLeak(second.get("changes"), second.toString());
            JsonNode third = JSON.readTree(exporter.get(path).body());
            assertEquals(0, third.get("changes").size(), "nothing changed since: " + third);
            assertEquals(400, exporter.get("/api/v1/goroutines/diff?pid=x").statusCode());
            assertEquals(404, exporter.get("/api/v1/goroutines/diff?pid=1").statusCode());
        }
    }

    private static ExporterProcess startWatching(FixtureProcess fx) throws Exception {
        fx.await("ready", WAIT);
        ExporterProcess e = ExporterProcess.start("--pid", Long.toString(fx.pid()));
        e.awaitWatching(fx.pid());
        return e;
    }

    private static void assertOnlyTheLeak(JsonNode changes, String body) {
        assertEquals(1, changes.size(), "one stack changed: " + body);
        JsonNode c = changes.get(0);
        assertEquals(100, c.get("delta").asLong(), body);
        assertEquals(0, c.get("before").asLong(), body);
        boolean leaker = false;
        for (JsonNode f : c.get("frames")) {
            leaker |= f.asText().startsWith("main.leaker ");
        }
        assertTrue(leaker, "the stack is main.leaker's: " + body);
    }
}
