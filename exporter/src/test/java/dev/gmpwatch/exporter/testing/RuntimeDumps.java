package dev.gmpwatch.exporter.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes a Go process print its goroutines and die: SIGQUIT, or SIGABRT when the program catches
 * SIGQUIT. The process may be stopped (SIGSTOP) so that it is dumped as it was read; it is
 * continued after the signal is queued, so the handler runs before any goroutine can.
 */
public final class RuntimeDumps {
    private static final Duration EXIT = Duration.ofSeconds(20);

    private RuntimeDumps() {
    }

    /** Stops the process where it is, for a read that the dump must then match. */
    public static void stop(long pid) {
        signal("STOP", pid);
    }

    /** Dumps and kills the process whose stderr goes to {@code stderr}; returns the parsed dump. */
    public static GoroutineDump dump(long pid, Path stderr) throws IOException, InterruptedException {
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("pid " + pid + " is gone before its dump"));
        signal("QUIT", pid);
        signal("CONT", pid);
        if (!exited(p)) {
            signal("ABRT", pid); // it catches SIGQUIT
            if (!exited(p)) {
                p.destroyForcibly();
                throw new AssertionError("pid " + pid + " survived SIGQUIT and SIGABRT for " + EXIT.multipliedBy(2));
            }
        }
        String text = Files.readString(stderr);
        GoroutineDump d = GoroutineDump.parse(text);
        if (d.goroutines().isEmpty()) {
            throw new AssertionError("pid " + pid + " died without a goroutine dump; its stderr ends:\n"
                    + text.substring(Math.max(0, text.length() - 2000)));
        }
        return d;
    }

    private static boolean exited(ProcessHandle p) throws InterruptedException {
        try {
            p.onExit().get(EXIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private static void signal(String sig, long pid) {
        Command.Result r = Command.run(java.util.List.of("kill", "-" + sig, Long.toString(pid)), java.util.Map.of(), null,
                Duration.ofSeconds(10));
        if (r.exitCode() != 0) {
            throw new AssertionError("kill -" + sig + " " + pid + ": " + r.stderr().strip());
        }
    }
}
