package dev.gmpwatch.exporter.stacks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.RealBinaries;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dump comparison on servers nobody here built: Debian's stripped Prometheus, Alertmanager and
 * node exporter (Go 1.19), esbuild serving (Go 1.26, stripped) and buf's language server (Go
 * 1.27), both from npm. Each is left to settle, stopped, read from outside, then dumped; every
 * figure and every stack must match.
 */
class RealBinariesDumpIT {
    @TempDir
    Path dir;

    @Test
    void prometheusEqualsItsDump() throws Exception {
        int port = freePort();
        compare("prometheus", List.of(RealBinaries.prometheus().toString(), "--config.file=/dev/null",
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port), port, dir);
    }

    @Test
    void alertmanagerEqualsItsDump() throws Exception {
        int port = freePort();
        Files.writeString(dir.resolve("am.yml"), "route: {receiver: none}\nreceivers: [{name: none}]\n");
        compare("alertmanager", List.of(RealBinaries.alertmanager().toString(), "--config.file=" + dir.resolve("am.yml"),
                "--storage.path=" + dir.resolve("am"), "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address="),
                port, dir);
    }

    @Test
    void esbuildServingEqualsItsDump() throws Exception {
        int port = freePort();
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/index.js"), "export const answer = 42;\n");
        compare("esbuild", List.of(RealBinaries.esbuild().toString(), "src/index.js", "--bundle", "--outdir=out",
                "--serve=127.0.0.1:" + port), port, dir);
    }

    @Test
    void nodeExporterEqualsItsDump() throws Exception {
        int port = freePort();
        compare("node-exporter", List.of(RealBinaries.nodeExporter().toString(), "--web.listen-address=127.0.0.1:" + port),
                port, dir);
    }

    /** A language server waits on stdin, which stays open (and silent) until the dump. */
    @Test
    void bufLanguageServerEqualsItsDump() throws Exception {
        compare("buf-lsp", List.of(RealBinaries.buf().toString(), "lsp", "serve"), 0, dir);
    }

    /** Starts the server, waits until it answers on {@code port} (0: has no port), lets it settle, compares. */
    private static void compare(String name, List<String> command, int port, Path dir) throws Exception {
        Path stderr = DumpComparison.dumpFile("real-" + name);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve(name + ".out").toFile()).redirectError(stderr.toFile());
        pb.environment().put("GOTRACEBACK", "system"); // every goroutine's dump complete, as FixtureProcess does
        Process p = pb.start();
        try {
            if (port > 0) {
                awaitServing(p, port, stderr);
            }
            Thread.sleep(3000); // past start-up, into its idle steady state
            DumpComparison c = DumpComparison.readThenDump(Path.of(command.get(0)), p.pid(), stderr);
            String what = name + " " + c.goVersion + ", " + c.ours.live() + " goroutines";
            System.out.println("dump comparison: " + what + ", " + c.ours.stacks().size() + " distinct stacks");
            c.assertAgree(what);
            assertTrue(c.ours.live() > 1, what + ": more than the main goroutine");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    private static void awaitServing(Process p, int port, Path stderr) throws Exception {
        for (int i = 0; i < 300; i++) {
            if (!p.isAlive()) {
                throw new AssertionError("exited with " + p.exitValue() + ": " + Files.readString(stderr));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
                c.setRequestProperty("Connection", "close");
                c.getResponseCode();
                c.disconnect();
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("not serving on port " + port + " within 30 s");
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
