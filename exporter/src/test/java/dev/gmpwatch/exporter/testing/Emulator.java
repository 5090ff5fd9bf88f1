package dev.gmpwatch.exporter.testing;

import dev.gmpwatch.exporter.elf.Machine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs binaries of another machine under qemu-user, as users on x86 CI run arm64 tools. qemu maps
 * the guest 1:1 into its own address space, so the program's memory is read as a native one's.
 * Go PIEs ask for the aarch64 loader, which Debian's libc6-arm64-cross provides.
 */
public final class Emulator {
    private static final Path QEMU_AARCH64 = Path.of("/usr/bin/qemu-aarch64-static");
    private static final Path ARM64_SYSROOT = Path.of("/usr/aarch64-linux-gnu");

    private Emulator() {
    }

    /** The command that runs {@code binary} for {@code machine} on this host. */
    public static List<String> command(Machine machine, Path binary, String... args) {
        List<String> cmd = new ArrayList<>();
        if (machine == Machine.ARM64) {
            require(QEMU_AARCH64, "qemu-user-static (apt-get install qemu-user-static, or scripts/setup.sh)");
            require(ARM64_SYSROOT.resolve("lib/ld-linux-aarch64.so.1"), "the aarch64 loader (apt-get install libc6-arm64-cross)");
            cmd.addAll(List.of(QEMU_AARCH64.toString(), "-L", ARM64_SYSROOT.toString()));
        } else if (Machine.host().orElse(null) != machine) {
            throw new AssertionError("no emulator for " + machine + " on this host");
        }
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void require(Path p, String what) {
        if (!Files.exists(p)) {
            throw new AssertionError("missing " + what + " at " + p);
        }
    }
}
