package dev.gmpwatch.exporter.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.gobinary.HookedFunction;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.Repo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of libbpf failure becomes its own exception, with errno, strerror and context. */
class BpfBindingErrorsTest {
    @TempDir
    Path tmp;

    @Test
    void garbageIsAnOpenError() {
        BpfOpenException e = assertThrows(BpfOpenException.class,
                () -> BpfObject.load("not an ELF object".getBytes(StandardCharsets.UTF_8), "garbage"));
        assertTrue(e.errno() > 0, "errno is set");
        assertTrue(e.getMessage().startsWith("open garbage: "), e.getMessage());
        assertTrue(e.getMessage().contains(e.strerror()), e.getMessage());
    }

    @Test
    void aProgramTheVerifierRefusesIsALoadErrorCarryingTheVerifierLog() throws Exception {
        Path src = Repo.root().resolve("exporter/src/test/resources/bpf/rejected_by_verifier.bpf.c");
        Path obj = tmp.resolve("rejected.bpf.o");
        Command.check(List.of("clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu",
                "-c", src.toString(), "-o", obj.toString()), Map.of(), null, Duration.ofMinutes(1));
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> BpfObject.load(Files.readAllBytes(obj), "rejected"));
        assertEquals(13, e.errno(), "EACCES from the verifier: " + e.getMessage());
        assertTrue(e.verifierLog().contains("invalid mem access"), "verifier log:\n" + e.verifierLog());
    }

    @Test
    void attachingToAMissingBinaryIsAnAttachErrorWithAHint() throws Exception {
        try (ProbeCounter counter = new ProbeCounter()) {
            HookedFunction f = new HookedFunction("runtime.newproc1", 0x401000, 0x1000, 0x1004, "emulated", "jbe", true, "");
            BpfAttachException e = assertThrows(BpfAttachException.class,
                    () -> counter.attach(0, BpfProgram.ALL_PROCESSES, tmp.resolve("gone").toString(), f));
            assertEquals(2, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("the binary is gone"), e.getMessage());
        }
    }

    @Test
    void readingASlotOutsideTheMapIsAMapError() throws Exception {
        try (ProbeCounter counter = new ProbeCounter()) {
            BpfMapException e = assertThrows(BpfMapException.class, () -> counter.read(ProbeCounter.SLOTS));
            assertEquals(2, e.errno(), e.getMessage());
            assertEquals(new ProbeCounter.Count(0, 0), counter.read(0), "a fresh slot reads zero");
        }
    }
}
