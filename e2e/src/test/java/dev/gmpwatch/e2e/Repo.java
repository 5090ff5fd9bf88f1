package dev.gmpwatch.e2e;

import java.nio.file.Path;

/** Paths in the checkout; Maven runs these tests in e2e/. */
final class Repo {
    private Repo() {
    }

    static Path root() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    }
}
