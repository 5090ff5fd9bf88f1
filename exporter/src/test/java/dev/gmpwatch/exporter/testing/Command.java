package dev.gmpwatch.exporter.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs an external program for a test, with a deadline; failures say what ran and what it printed. */
public final class Command {
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private Command() {
    }

    public static Result run(List<String> cmd, Map<String, String> env, Path dir, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = read(p.getInputStream());
            CompletableFuture<String> err = read(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + ": " + e.getMessage()
                    + " (run scripts/setup.sh to install the test prerequisites)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + String.join(" ", cmd), e);
        }
    }

    /** Runs and requires exit code 0. */
    public static String check(List<String> cmd, Map<String, String> env, Path dir, Duration timeout) {
        Result r = run(cmd, env, dir, timeout);
        if (r.exitCode() != 0) {
            throw new AssertionError("exit " + r.exitCode() + ": " + String.join(" ", cmd) + "\n" + r.stderr() + r.stdout());
        }
        return r.stdout();
    }

    private static CompletableFuture<String> read(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** Perf-event (uprobe) BPF links on the whole machine, per bpftool. */
    public static int uprobeLinks() {
        String out = check(java.util.List.of("bpftool", "link", "show"), java.util.Map.of(), null, java.time.Duration.ofSeconds(30));
        return (int) out.lines().filter(l -> l.contains("perf_event")).count();
    }
}
