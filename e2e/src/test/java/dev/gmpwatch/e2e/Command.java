package dev.gmpwatch.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a tool to completion and keeps its exit code and output (stdout and stderr together). */
record Command(List<String> argv, int exitCode, String output) {

    static Command run(Path dir, List<String> argv) throws IOException, InterruptedException {
        Path tool = Path.of(argv.get(0));
        if (tool.isAbsolute() && !Files.isExecutable(tool)) {
            throw new AssertionError(tool + " is missing; run scripts/setup.sh");
        }
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " timed out");
        }
        return new Command(argv, p.exitValue(), out);
    }

    /** Fails with the command and its output unless it exited 0. */
    Command assertSuccess() {
        if (exitCode != 0) {
            throw new AssertionError(String.join(" ", argv) + " exited " + exitCode + ":\n" + output);
        }
        return this;
    }
}
