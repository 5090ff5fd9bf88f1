package dev.gmpwatch.exporter.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Go binaries that nobody here built, installed by scripts/setup.sh. */
public final class RealBinaries {
    /** esbuild 0.28.2 from npm: Go 1.26.5, stripped, without a build info blob. */
    public static final String ESBUILD_GO_VERSION = "go1.26.5";

    private RealBinaries() {
    }

    public static Path esbuild() {
        return esbuild(dev.gmpwatch.exporter.elf.Machine.AMD64);
    }

    /** esbuild 0.28.2 for a machine: @esbuild/linux-x64 or @esbuild/linux-arm64 (the arm64 one runs under qemu-user). */
    public static Path esbuild(dev.gmpwatch.exporter.elf.Machine machine) {
        String pkg = machine == dev.gmpwatch.exporter.elf.Machine.ARM64 ? "linux-arm64" : "linux-x64";
        return require(Repo.root().resolve("exporter/src/test/npm/node_modules/@esbuild/" + pkg + "/bin/esbuild"),
                "esbuild from npm @esbuild/" + pkg + "@0.28.2");
    }

    /** buf 1.75.0 from npm @bufbuild/buf-linux-x64: Go 1.27.3; `buf lsp serve` is a long-running language server. */
    public static Path buf() {
        return require(Repo.root().resolve("exporter/src/test/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf"),
                "buf from npm @bufbuild/buf-linux-x64@1.75.0");
    }

    /** Debian's prometheus-node-exporter: Go 1.19, stripped. */
    public static Path nodeExporter() {
        return require(Path.of("/usr/bin/prometheus-node-exporter"), "Debian's prometheus-node-exporter package");
    }

    /** Debian's prometheus: Go 1.19, stripped, externally linked. */
    public static Path prometheus() {
        return require(Path.of("/usr/bin/prometheus"), "Debian's prometheus package");
    }

    /** Debian's prometheus-alertmanager: Go 1.19, stripped. */
    public static Path alertmanager() {
        return require(Path.of("/usr/bin/prometheus-alertmanager"), "Debian's prometheus-alertmanager package");
    }

    private static Path require(Path p, String what) {
        if (!Files.isRegularFile(p)) {
            throw new AssertionError("missing " + what + " at " + p + "; run scripts/setup.sh");
        }
        return p;
    }
}
