package dev.gmpwatch.exporter.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The program a process runs. Usually that is /proc/PID/exe. Under a user-mode emulator (qemu-user,
 * invoked directly or through binfmt_misc, as arm64 tools run on x86 CI) exe is the emulator, and
 * the program is the guest binary it mapped: the lowest file-backed mapping that is not the
 * emulator itself. qemu-user maps the guest 1:1, so its memory reads as a native program's.
 *
 * @param link     what to open to read the binary, valid across mount namespaces (/proc/PID/exe or
 *                 /proc/PID/map_files/RANGE)
 * @param path     the binary's path as the process sees it
 * @param emulator the emulator's path, when there is one
 */
public record ProgramImage(Path link, String path, Optional<String> emulator) {

    /** Reads it from procfs; throws when the process is gone, is a kernel thread, or is not ours to see. */
    public static ProgramImage of(Procfs proc, long pid) throws IOException {
        String exe;
        try {
            exe = proc.exePath(pid);
        } catch (UnsupportedOperationException e) {
            throw new IOException("no executable", e);
        }
        if (!isEmulator(exe)) {
            return new ProgramImage(proc.exe(pid), exe, Optional.empty());
        }
        for (String line : proc.maps(pid)) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[5].startsWith("/") && !f[5].equals(exe) && Long.parseLong(f[2], 16) == 0) {
                return new ProgramImage(proc.mapFile(pid, f[0]), f[5], Optional.of(exe));
            }
        }
        return new ProgramImage(proc.exe(pid), exe, Optional.empty()); // the emulator has not mapped a guest yet
    }

    /** qemu-user's binaries are named qemu-ARCH, qemu-ARCH-static, with Debian's binfmt wrappers too. */
    static boolean isEmulator(String exe) {
        String name = Path.of(exe.replace(" (deleted)", "")).getFileName().toString();
        return name.startsWith("qemu-") && !name.startsWith("qemu-system-") && !name.startsWith("qemu-img");
    }

    /** The file name, for the exe label. */
    public String name() {
        return Path.of(path.replace(" (deleted)", "")).getFileName().toString();
    }
}
