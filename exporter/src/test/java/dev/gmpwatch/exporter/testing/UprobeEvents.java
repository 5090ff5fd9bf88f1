package dev.gmpwatch.exporter.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's own uprobe events (tracefs uprobe_events), as an independent count of what our BPF
 * programs count: uprobe_profile's hit counter for calls, and the trace buffer for return values
 * (uretprobes are fine here: the functions counted run on the system stack, which never moves).
 * Mounts tracefs when it is not; fails, saying so, when it cannot.
 */
public final class UprobeEvents implements AutoCloseable {
    private static final Path TRACING = Path.of("/sys/kernel/tracing");
    private static final String GROUP = "gmpwatch_test";

    private final List<String> events = new ArrayList<>();

    public UprobeEvents() throws IOException, InterruptedException {
        if (!Files.exists(TRACING.resolve("uprobe_events"))) {
            Command.Result r = Command.run(List.of("mount", "-t", "tracefs", "nodev", TRACING.toString()), java.util.Map.of(),
                    Path.of("/"), java.time.Duration.ofSeconds(10));
            if (r.exitCode() != 0 || !Files.exists(TRACING.resolve("uprobe_events"))) {
                throw new IllegalStateException("tracefs is not mounted at " + TRACING + " and mounting it failed: " + r.stderr());
            }
        }
        Files.writeString(TRACING.resolve("trace"), "");
    }

    /** A probe at a file offset of {@code binary}; {@code fetch} as uprobe_events takes it (may be ""). */
    public void probe(String name, Path binary, long fileOffset) throws IOException {
        add("p:" + GROUP + "/" + name + " " + binary + ":0x" + Long.toHexString(fileOffset));
    }

    /** A return probe at a function's entry (file offset) that records its first result as ret. */
    public void returnProbe(String name, Path binary, long fileOffset) throws IOException {
        add("r:" + GROUP + "/" + name + " " + binary + ":0x" + Long.toHexString(fileOffset) + " ret=$retval:u64");
    }

    private void add(String definition) throws IOException {
        Files.writeString(TRACING.resolve("uprobe_events"), definition + "\n", java.nio.file.StandardOpenOption.APPEND);
        String name = definition.substring(definition.indexOf('/') + 1, definition.indexOf(' '));
        events.add(name);
        Files.writeString(TRACING.resolve("events/" + GROUP + "/" + name + "/enable"), "1");
    }

    /** Times the kernel ran the probe, since it was added. */
    public long hits(String name) throws IOException {
        for (String line : Files.readAllLines(TRACING.resolve("uprobe_profile"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[1].equals(name)) {
                return Long.parseLong(f[2]);
            }
        }
        throw new IllegalStateException("no uprobe event " + name + " in uprobe_profile");
    }

    /** Forgets what the trace buffer holds, so that {@link #traced} counts from now. */
    public void clearTrace() throws IOException {
        Files.writeString(TRACING.resolve("trace"), "");
    }

    /** Lines of the trace buffer from event {@code name} that end with {@code suffix} (say " ret=0"). */
    public long traced(String name, String suffix) throws IOException {
        String tag = " " + name + ": ";
        return Files.readAllLines(TRACING.resolve("trace")).stream().filter(l -> l.contains(tag) && l.endsWith(suffix)).count();
    }

    @Override
    public void close() throws IOException {
        for (String e : events) {
            Files.writeString(TRACING.resolve("events/" + GROUP + "/" + e + "/enable"), "0");
        }
        for (String e : events) {
            Files.writeString(TRACING.resolve("uprobe_events"), "-:" + GROUP + "/" + e + "\n", java.nio.file.StandardOpenOption.APPEND);
        }
        events.clear();
    }
}
