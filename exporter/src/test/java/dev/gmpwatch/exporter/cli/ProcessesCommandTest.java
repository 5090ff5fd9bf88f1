package dev.gmpwatch.exporter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessesCommandTest {
    @Test
    void listsARunningGoProcessWithItsVersionAndProbeModes() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        try (FixtureProcess p = FixtureProcess.start(bin)) {
            p.await("ready", Duration.ofSeconds(30));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = new ProcessesCommand(new PrintStream(out, true, StandardCharsets.UTF_8), Procfs.HOST).run(new String[0]);
            assertEquals(0, code);
            String line = out.toString(StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith(p.pid() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("pid " + p.pid() + " not listed:\n" + out));
            assertTrue(line.contains(GoToolchain.newest().version()), line);
            assertTrue(line.matches(".* (\\d+)/\\1 emulated .*"), "every hooked function it has is emulated: " + line);
            assertTrue(line.endsWith(bin.toString()), line);
        }
    }
}
