package dev.gmpwatch.exporter.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A running line-oriented fixture: send a command, wait for its answer. Killed on close. */
public final class FixtureProcess implements AutoCloseable {
    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private FixtureProcess(Process process) {
        this.process = process;
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "fixture-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    public static FixtureProcess start(Path binary) {
        return start(java.util.List.of(binary.toString()));
    }

    /** Starts a binary built for {@code machine}, under its emulator when that is not this host's. */
    public static FixtureProcess start(dev.gmpwatch.exporter.elf.Machine machine, Path binary) {
        return start(Emulator.command(machine, binary));
    }

    /** Starts a command that runs a fixture (under unshare, say); its stdin and stdout are the fixture's. */
    public static FixtureProcess start(java.util.List<String> command) {
        return start(command, ProcessBuilder.Redirect.INHERIT);
    }

    /**
     * As {@link #start(java.util.List)}, with the fixture's stderr written to a file, where its
     * goroutine dump goes. GOTRACEBACK=system makes every goroutine's dump complete (runtime
     * frames, wrappers, PCs) on every version; by default only the goroutine the signal lands on is.
     */
    public static FixtureProcess start(java.util.List<String> command, Path stderr) {
        return start(command, ProcessBuilder.Redirect.to(stderr.toFile()));
    }

    private static FixtureProcess start(java.util.List<String> command, ProcessBuilder.Redirect stderr) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderr);
            if (stderr.type() == ProcessBuilder.Redirect.Type.WRITE) {
                pb.environment().put("GOTRACEBACK", "system");
            }
            return new FixtureProcess(pb.start());
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command + ": " + e.getMessage(), e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public void send(String command) {
        in.println(command);
    }

    /** Waits for the next line, which must start with {@code prefix}; returns the rest of it. */
    public String await(String prefix, Duration timeout) {
        try {
            String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError("fixture printed nothing within " + timeout + " (alive: " + process.isAlive() + ")");
            }
            if (!line.startsWith(prefix)) {
                throw new AssertionError("fixture said '" + line + "', expected '" + prefix + "...'");
            }
            return line.substring(prefix.length()).strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
