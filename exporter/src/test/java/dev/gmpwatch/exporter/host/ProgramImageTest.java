package dev.gmpwatch.exporter.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which binary a process runs, in a procfs tree laid out as the kernel does. */
class ProgramImageTest {
    @TempDir
    Path root;

    @Test
    void anEmulatedProcessRunsTheGuestItMapped() throws Exception {
        Path pid = Files.createDirectories(root.resolve("42"));
        Files.createSymbolicLink(pid.resolve("exe"), Path.of("/usr/bin/qemu-aarch64-static"));
        Files.writeString(pid.resolve("maps"), String.join("\n",
                "00010000-000d5000 r--p 00000000 fe:00 9978330                            /srv/app/server",
                "000e0000-001df000 r--p 000d0000 fe:00 9978330                            /srv/app/server",
                "5500000000-5500001000 ---p 00000000 00:00 0",
                "7f1c2a000000-7f1c2a100000 r-xp 00000000 fe:00 1234                       /usr/bin/qemu-aarch64-static", ""));
        ProgramImage image = ProgramImage.of(Procfs.at(root), 42);
        assertEquals("/srv/app/server", image.path());
        assertEquals("server", image.name());
        assertEquals(Optional.of("/usr/bin/qemu-aarch64-static"), image.emulator());
        // map_files names drop the zeros maps pads with
        assertEquals(pid.resolve("map_files/10000-d5000"), image.link());
    }

    @Test
    void aNativeProcessRunsItsExecutable() throws Exception {
        Path pid = Files.createDirectories(root.resolve("7"));
        Files.createSymbolicLink(pid.resolve("exe"), Path.of("/usr/bin/prometheus"));
        ProgramImage image = ProgramImage.of(Procfs.at(root), 7);
        assertEquals("/usr/bin/prometheus", image.path());
        assertEquals(pid.resolve("exe"), image.link());
        assertTrue(image.emulator().isEmpty());
    }

    @Test
    void onlyUserModeQemuIsAnEmulator() {
        assertTrue(ProgramImage.isEmulator("/usr/bin/qemu-aarch64-static"));
        assertTrue(ProgramImage.isEmulator("/usr/bin/qemu-aarch64 (deleted)"));
        assertFalse(ProgramImage.isEmulator("/usr/bin/qemu-system-aarch64"));
        assertFalse(ProgramImage.isEmulator("/usr/bin/prometheus"));
    }
}
