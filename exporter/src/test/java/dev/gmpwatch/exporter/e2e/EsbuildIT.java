package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.RealBinaries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real stripped Go 1.26 program that nobody here built, traced while it does real work. */
class EsbuildIT {
    private static final int MODULES = 400;

    @TempDir
    Path project;

    @Test
    void bundlingUnderTheExporterIsCountedAndProducesTheSameOutput() throws Exception {
        Path esbuild = RealBinaries.esbuild();
        generateProject();
        byte[] untraced = bundle(esbuild, "untraced.js");
        try (ExporterProcess exporter = ExporterProcess.start("--exe", esbuild.toString(), "--discover.interval", "1s")) {
            byte[] traced = bundle(esbuild, "traced.js");
            assertArrayEquals(untraced, traced, "esbuild's output is byte-identical when traced");
            Scrape s = awaitEsbuildSeries(exporter);
            double created = s.value("gmpwatch_goroutines_created_total", "exe", "esbuild");
            double exited = s.value("gmpwatch_goroutines_exited_total", "exe", "esbuild");
            System.out.printf("esbuild bundling %d modules: %.0f goroutines created, %.0f exited%n", MODULES, created, exited);
            assertTrue(created > 0, "created " + created);
            assertTrue(exited <= created, "exited " + exited + " <= created " + created);
            assertEquals(1, s.value("gmpwatch_target_info", "exe", "esbuild", "go_version", RealBinaries.ESBUILD_GO_VERSION));
        }
    }

    /** A tree of ES modules: each imports two children, the leaves export constants. */
    private void generateProject() throws Exception {
        Path src = Files.createDirectories(project.resolve("src"));
        for (int i = MODULES - 1; i >= 0; i--) {
            int a = 2 * i + 1;
            int b = 2 * i + 2;
            StringBuilder js = new StringBuilder();
            if (a < MODULES) {
                js.append("import { v").append(a).append(" } from './m").append(a).append(".js';\n");
            }
            if (b < MODULES) {
                js.append("import { v").append(b).append(" } from './m").append(b).append(".js';\n");
            }
            js.append("export const v").append(i).append(" = ").append(i)
                    .append(a < MODULES ? " + v" + a : "").append(b < MODULES ? " + v" + b : "").append(";\n");
            Files.writeString(src.resolve("m" + i + ".js"), js.toString());
        }
        Files.writeString(src.resolve("index.js"), "import { v0 } from './m0.js';\nconsole.log(v0);\n");
    }

    private byte[] bundle(Path esbuild, String out) throws Exception {
        Command.check(List.of(esbuild.toString(), "src/index.js", "--bundle", "--minify", "--outfile=" + out),
                Map.of(), project, Duration.ofMinutes(2));
        return Files.readAllBytes(project.resolve(out));
    }

    private static Scrape awaitEsbuildSeries(ExporterProcess exporter) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Scrape s = exporter.scrape();
            if (s.has("gmpwatch_goroutines_created_total", "exe", "esbuild")) {
                return s;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("esbuild was never counted; exporter log:\n" + exporter.logText());
    }
}
