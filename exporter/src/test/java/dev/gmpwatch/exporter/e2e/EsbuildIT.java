package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.Emulator;
import dev.gmpwatch.exporter.testing.RealBinaries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A real stripped Go 1.26 program that nobody here built, traced while it does real work. */
class EsbuildIT {
    private static final int MODULES = 400;

    @TempDir
    Path project;

    /**
     * The default mode: esbuild serving a bundle, rebuilt on every request, read from outside
     * meanwhile. Also npm's arm64 build under qemu-user: a stripped release binary nobody here built.
     */
    @ParameterizedTest
    @EnumSource(Machine.class)
    void stateIsReadWhileEsbuildRebuilds(Machine machine) throws Exception {
        Path esbuild = RealBinaries.esbuild(machine);
        generateProject();
        int port = RealBinariesStateIT.freePort();
        Process server = new ProcessBuilder(Emulator.command(machine, esbuild, "src/index.js", "--bundle", "--outdir=out",
                "--serve=127.0.0.1:" + port)).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(project.resolve("serve.log").toFile()).start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI bundle = java.net.URI.create("http://127.0.0.1:" + port + "/index.js");
        try (ExporterProcess exporter = ExporterProcess.start("--pid", Long.toString(server.pid()), "--walk.min-interval", "0s")) {
            String pid = Long.toString(server.pid());
            Scrape first = exporter.awaitWatching(server.pid());
            double lastCreated = first.value("gmpwatch_goroutines_created_total", "pid", pid);
            for (int i = 0; i < 100; i++) {
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(bundle).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("console.log"), "a bundle");
                Scrape s = exporter.scrape();
                double created = s.value("gmpwatch_goroutines_created_total", "pid", pid);
                assertTrue(created >= lastCreated, "created never goes back: " + lastCreated + " -> " + created);
                lastCreated = created;
                assertTrue(s.value("gmpwatch_goroutines_live", "pid", pid) >= 1);
                assertEquals(1, s.value("gmpwatch_target_info", "pid", pid, "go_version", RealBinaries.ESBUILD_GO_VERSION,
                        "status", "watching"), "read on every scrape");
            }
            Scrape last = exporter.scrape();
            System.out.printf("esbuild (%s) serving 100 rebuilds: %.0f goroutines created, %.0f live%n", machine.goarch(), lastCreated,
                    last.value("gmpwatch_goroutines_live", "pid", pid));
            assertTrue(lastCreated - first.value("gmpwatch_goroutines_created_total", "pid", pid) >= 100,
                    "every rebuild starts goroutines");
            assertEquals(0, last.value("gmpwatch_snapshot_errors_total", "reason", "implausible"));
            assertEquals(0, last.value("gmpwatch_snapshot_errors_total", "reason", "unreadable"));
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    /** The per-event mode: every esbuild process is probed from its first goroutine. */
    @Test
    void bundlingUnderTheExporterIsCountedAndProducesTheSameOutput() throws Exception {
        Path esbuild = RealBinaries.esbuild();
        generateProject();
        byte[] untraced = bundle(esbuild, "untraced.js");
        try (ExporterProcess exporter = ExporterProcess.start("--probes", "--exe", esbuild.toString(), "--discover.interval", "1s")) {
            byte[] traced = bundle(esbuild, "traced.js");
            assertArrayEquals(untraced, traced, "esbuild's output is byte-identical when traced");
            Scrape s = awaitEsbuildSeries(exporter);
            double created = s.sum("gmpwatch_goroutine_transitions_total", "exe", "esbuild", "from", "dead");
            double exited = s.sum("gmpwatch_goroutine_transitions_total", "exe", "esbuild", "to", "dead")
                    - s.sum("gmpwatch_goroutine_transitions_total", "exe", "esbuild", "from", "idle", "to", "dead");
            System.out.printf("esbuild bundling %d modules: %.0f goroutines created, %.0f exited%n", MODULES, created, exited);
            assertTrue(created > 0, "created " + created);
            assertTrue(exited <= created, "exited " + exited + " <= created " + created);
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
            if (s.sum("gmpwatch_goroutine_transitions_total", "exe", "esbuild", "from", "dead") > 0) {
                return s;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("esbuild was never counted; exporter log:\n" + exporter.logText());
    }
}
