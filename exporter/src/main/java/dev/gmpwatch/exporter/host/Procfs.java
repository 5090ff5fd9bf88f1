package dev.gmpwatch.exporter.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The host's process and cgroup filesystems. Every path under /proc and /sys the exporter reads
 * is built here, so tests can point the whole exporter at a fake tree and nothing else in the code
 * knows the kernel's file layout.
 */
public final class Procfs {
    /** The real host: procfs at /proc, the cgroup hierarchies under /sys/fs/cgroup. */
    public static final Procfs HOST = new Procfs(Path.of("/proc"), Path.of("/sys/fs/cgroup"));

    private final Path root;
    private final Path cgroupRoot;

    public Procfs(Path root, Path cgroupRoot) {
        this.root = root;
        this.cgroupRoot = cgroupRoot;
    }

    /** A procfs tree at {@code root}, with the host's cgroup hierarchies. */
    public static Procfs at(Path root) {
        return new Procfs(root, HOST.cgroupRoot);
    }

    /** Every PID, ascending. */
    public List<Long> pids() {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * The process's executable link. Opening it reads the binary even when it lives in another mount
     * namespace (a container); reading the link gives the path as the process sees it.
     */
    public Path exe(long pid) {
        return pidDir(pid).resolve("exe");
    }

    /** The executable's path as the process sees it. */
    public String exePath(long pid) throws IOException {
        return Files.readSymbolicLink(exe(pid)).toString();
    }

    /**
     * A mapped file, opened through its mapping (needs CAP_SYS_ADMIN); {@code range} is "start-end"
     * from maps, which pads with zeros where map_files' names do not.
     */
    public Path mapFile(long pid, String range) {
        String[] ends = range.split("-", 2);
        String name = Long.toHexString(Long.parseUnsignedLong(ends[0], 16)) + "-" + Long.toHexString(Long.parseUnsignedLong(ends[1], 16));
        return pidDir(pid).resolve("map_files").resolve(name);
    }

    public List<String> maps(long pid) throws IOException {
        return Files.readAllLines(pidDir(pid).resolve("maps"));
    }

    public List<String> cgroups(long pid) throws IOException {
        return Files.readAllLines(pidDir(pid).resolve("cgroup"));
    }

    public String stat(long pid) throws IOException {
        return Files.readString(pidDir(pid).resolve("stat"));
    }

    /** The thread directories of a process, each with its own schedstat. */
    public Path tasks(long pid) {
        return pidDir(pid).resolve("task");
    }

    /** The process's memory, for positional reads (needs CAP_SYS_PTRACE over the target). */
    public FileChannel openMemory(long pid) throws IOException {
        return FileChannel.open(pidDir(pid).resolve("mem"), StandardOpenOption.READ);
    }

    /** This process's own status (capabilities). */
    public Path selfStatus() {
        return root.resolve("self/status");
    }

    /** Where the cgroup hierarchies are mounted: the v2 tree itself, or v1 controllers under it. */
    public Path cgroupRoot() {
        return cgroupRoot;
    }

    public String describe(long pid, String file) {
        return root.resolve(pid + "/" + file).toString();
    }

    private Path pidDir(long pid) {
        return root.resolve(Long.toString(pid));
    }
}
