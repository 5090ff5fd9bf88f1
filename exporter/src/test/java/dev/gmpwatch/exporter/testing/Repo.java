package dev.gmpwatch.exporter.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the checkout, for tests. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        String prop = System.getProperty("gmpwatch.repoRoot");
        Path p = prop != null ? Path.of(prop) : Path.of("..");
        Path abs = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs.resolve("bpf"))) {
            throw new AssertionError("cannot find the repository root (looked at " + abs + ")");
        }
        return abs;
    }

    /** Scratch space under exporter/target for built fixtures. */
    public static Path scratch(String name) {
        return root().resolve("exporter/target/test-work").resolve(name);
    }
}
