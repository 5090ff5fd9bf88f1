package dev.gmpwatch.exporter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.Repo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inspect command as a user meets it: output shapes, and one clear line for bad input. */
class InspectCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void jsonHasTheDocumentedShape() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        Run r = run("inspect", "--json", bin.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(bin.toString(), j.get("path").asText());
        assertTrue(j.get("goVersion").asText().startsWith("go1."));
        assertFalse(j.get("stripped").asBoolean());
        assertFalse(j.get("pie").asBoolean());
        JsonNode newproc1 = j.get("functions").get(0);
        assertEquals("runtime.newproc1", newproc1.get("name").asText());
        for (String field : List.of("address", "fileOffset", "probeOffset")) {
            assertTrue(newproc1.get(field).isIntegralNumber(), field);
        }
        assertEquals("emulated", newproc1.get("probeMode").asText());
        assertEquals("jbe", newproc1.get("instruction").asText());
        assertTrue(j.get("structOffsets").get("runtime.g.goid").isIntegralNumber());
        assertEquals("", j.get("waitReasons").get("0").asText(), "code 0 is waitReasonZero");
        assertTrue(j.get("waitReasons").toString().contains("\"chan receive\""), j.get("waitReasons").toString());
    }

    @Test
    void tableNamesEveryHookedFunction() {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.STRIPPED);
        Run r = run("inspect", bin.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("stripped     yes"), r.out());
        assertTrue(r.out().contains("runtime.casgstatus"), r.out());
        assertTrue(r.out().contains("struct offsets (from table)"), r.out());
    }

    @Test
    void emptyFile() throws Exception {
        assertOneLineError(Files.createFile(tmp.resolve("empty")), "empty file");
    }

    @Test
    void directory() {
        assertOneLineError(tmp, "is a directory");
    }

    @Test
    void textFile() throws Exception {
        assertOneLineError(Files.writeString(tmp.resolve("notes.txt"), "just text\n"), "not an ELF file");
    }

    @Test
    void truncatedElf() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        byte[] head = Arrays.copyOf(Files.readAllBytes(bin), 4096);
        assertOneLineError(Files.write(tmp.resolve("truncated"), head), "truncated ELF");
    }

    @Test
    void elf32() throws Exception {
        ByteBuffer h = ByteBuffer.allocate(52).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1});
        h.putShort(16, (short) 2).putShort(18, (short) 3);
        assertOneLineError(Files.write(tmp.resolve("elf32"), h.array()), "not a 64-bit ELF");
    }

    @Test
    void cProgram() {
        Path src = Repo.root().resolve("exporter/src/test/resources/fixtures/hello-c/hello.c");
        Path out = tmp.resolve("hello");
        Command.check(List.of("gcc", "-O2", "-o", out.toString(), src.toString()), Map.of(), null, Duration.ofMinutes(1));
        assertOneLineError(out, "not a Go binary");
        // Discovery passes over such a process in silence: it must learn "not Go" from the type, not the text.
        GoBinaryException e = assertThrows(GoBinaryException.class, () -> GoBinary.analyze(out));
        assertTrue(e.notGo(), e.getMessage());
        assertTrue(e.getMessage().startsWith(out + ": "), e.getMessage());
    }

    @Test
    void missingPath() {
        assertOneLineError(tmp.resolve("no-such-binary"), "no such file");
    }

    @Test
    void unknownFlagAndMissingArgument() {
        Run r = run("inspect", "--frobnicate", "x");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.err().contains("unknown flag --frobnicate"), r.err());
        assertEquals(Main.EXIT_USAGE, run("inspect").code());
        assertEquals(Main.EXIT_USAGE, run("no-such-command").code());
    }

    private static void assertOneLineError(Path input, String expected) {
        Run r = run("inspect", input.toString());
        assertEquals(Main.EXIT_USAGE, r.code(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("gmpwatch: "), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
