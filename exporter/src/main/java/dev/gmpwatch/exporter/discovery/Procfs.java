package dev.gmpwatch.exporter.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The process list of a procfs mount. */
public final class Procfs {
    private Procfs() {
    }

    /** Every PID under {@code proc}, ascending. */
    public static List<Long> pids(Path proc) {
        try (Stream<Path> entries = Files.list(proc)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + proc + ": " + e.getMessage(), e);
        }
    }
}
