package dev.gmpwatch.exporter.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.runtime.MemoryProbe;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz target: the runtime-state reader's validation fed with synthetic memory laid out as a real
 * binary's runtime (-Dgmpwatch.fuzz.goBinary): the scheduler read, the goroutine walk and the
 * stack unwinder. Any memory ends in a snapshot or a SnapshotException, within bounds.
 */
public final class SnapshotTarget {
    /** How much of each global's memory the input may fill. */
    private static final int WINDOW = 4096;
    private static GoBinary binary;
    private static Path image;

    private SnapshotTarget() {
    }

    public static void fuzzerInitialize() {
        try {
            binary = GoBinary.analyze(Path.of(System.getProperty("gmpwatch.fuzz.goBinary")));
            image = Files.createTempFile("gmpwatch-fuzz-memory", ".img");
            image.toFile().deleteOnExit();
        } catch (GoBinaryException | ElfFormatException | IOException e) {
            throw new IllegalStateException("set -Dgmpwatch.fuzz.goBinary to a Go binary: " + e.getMessage(), e);
        }
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider in) {
        byte[][] windows = new byte[6][];
        for (int i = 0; i < windows.length; i++) {
            windows[i] = in.consumeBytes(in.consumeInt(0, WINDOW));
        }
        try {
            MemoryProbe.exercise(binary, image, windows, in.consumeRemainingAsBytes());
        } catch (SnapshotException expected) {
            // the contract
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the memory image", e);
        }
    }

}
