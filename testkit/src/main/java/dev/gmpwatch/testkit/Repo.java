package dev.gmpwatch.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout the tests run in. */
public final class Repo {
    private Repo() {
    }

    /** The repository root: -Dgmpwatch.repoRoot, else the parent of the module's directory. */
    public static Path root() {
        String prop = System.getProperty("gmpwatch.repoRoot");
        Path abs = (prop != null ? Path.of(prop) : Path.of("..")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs.resolve("scripts/kube/tools/go.mod"))) {
            throw new AssertionError("cannot find the repository root (looked at " + abs + ")");
        }
        return abs;
    }
}
