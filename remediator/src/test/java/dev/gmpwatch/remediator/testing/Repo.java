package dev.gmpwatch.remediator.testing;

import java.nio.file.Path;

/** Paths in the checkout; Maven runs the remediator's tests in remediator/. */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    }
}
