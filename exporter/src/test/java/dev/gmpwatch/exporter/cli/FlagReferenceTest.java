package dev.gmpwatch.exporter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.testkit.GeneratedDocs;
import dev.gmpwatch.testkit.Repo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The flag reference in docs/exporter.md and --help both come from ExporterFlags, and agree with it. */
class FlagReferenceTest {
    private static final Map<String, FlagTable> TABLES = Map.of("run", ExporterFlags.RUN, "goroutines", ExporterFlags.GOROUTINES);

    @Test
    void theDocsReferenceIsTheTable() throws IOException {
        Path docs = Repo.root().resolve("docs/exporter.md");
        for (Map.Entry<String, FlagTable> t : TABLES.entrySet()) {
            String expected = GeneratedDocs.expected(docs, "flags " + t.getKey(), t.getValue().markdown());
            assertEquals(expected, Files.readString(docs),
                    "docs/exporter.md's " + t.getKey() + " flag reference differs from ExporterFlags: rerun with -Dgmpwatch.updateDocs=true");
        }
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        Result r = run("--help");
        assertEquals(Main.EXIT_OK, r.code());
        for (FlagTable t : TABLES.values()) {
            for (Flag f : t.all()) {
                assertTrue(r.out().contains("  " + f.synopsis() + " "), "--help lacks " + f.synopsis() + ":\n" + r.out());
                if (f.defaultValue() != null) {
                    assertTrue(r.out().contains("(default " + f.defaultValue() + ")"), "--help lacks the default of --" + f.name());
                }
            }
        }
        assertEquals(ExporterFlags.GOROUTINES.help(), run("goroutines", "--help").out());
    }

    @Test
    void aBadFlagIsOneLineAndTheUsage() {
        Result r = run("--walk.max-goroutine", "5");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertEquals("gmpwatch: unknown flag --walk.max-goroutine\n" + ExporterFlags.RUN.usage() + "\n", r.err());
        Result missing = run("run", "--discover.interval");
        assertEquals("gmpwatch: --discover.interval needs a value", missing.err().lines().findFirst().orElseThrow());
        Result bad = run("goroutines", "1", "--stacks.max-frames", "-3");
        assertEquals(Main.EXIT_USAGE, bad.code());
        assertEquals("gmpwatch: --stacks.max-frames takes a positive integer\n", bad.err());
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
