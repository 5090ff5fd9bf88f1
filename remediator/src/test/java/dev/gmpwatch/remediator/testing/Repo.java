package dev.gmpwatch.remediator.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the checkout; Maven runs the remediator's tests in remediator/. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    }

    /** The packaged exporter, which the whole-loop tests run; fails when the build has not made it. */
    public static Path exporterJar() {
        Path jar = root().resolve("exporter/target/gmpwatch-exporter.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("the exporter jar is missing: " + jar + " (run mvn verify from the root)");
        }
        return jar;
    }
}
