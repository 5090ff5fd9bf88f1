package dev.gmpwatch.remediator.action.gomaxprocs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The cgroup actuator: sets the CPU quota of a process's cgroup to n CPUs (cgroup v1
 * cpu.cfs_quota_us/cpu.cfs_period_us, or v2 cpu.max). A Go 1.25+ runtime follows the quota
 * within about a second, when its main module says go 1.25+, GOMAXPROCS is not set in its
 * environment, and nothing called runtime.GOMAXPROCS(n); it never goes below 2.
 */
public final class CgroupCpuQuota {
    private static final long DEFAULT_PERIOD_US = 100_000;

    private final Path proc;
    private final Path cgroupRoot;

    public CgroupCpuQuota(Path proc, Path cgroupRoot) {
        this.proc = proc;
        this.cgroupRoot = cgroupRoot;
    }

    /** The process's CPU cgroup directory, after the checks that make a quota change meaningful. */
    public Path cgroupOf(long pid) throws IOException {
        String environ = new String(Files.readAllBytes(proc.resolve(pid + "/environ")), StandardCharsets.UTF_8);
        for (String kv : environ.split("\u0000")) {
            if (kv.startsWith("GOMAXPROCS=")) {
                throw new IOException("refused: the GOMAXPROCS environment variable (" + kv + ") pins it; the runtime ignores the quota");
            }
        }
        for (String line : Files.readAllLines(proc.resolve(pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            boolean v1cpu = java.util.Arrays.asList(f[1].split(",")).contains("cpu");
            boolean v2 = f[0].equals("0") && f[1].isEmpty();
            if (!v1cpu && !v2) {
                continue;
            }
            if (f[2].equals("/")) {
                throw new IOException("refused: the process is in the root cgroup; a quota there would limit the whole host");
            }
            Path dir = v1cpu ? v1Mount().resolve(f[2].substring(1)) : cgroupRoot.resolve(f[2].substring(1));
            if (!Files.isDirectory(dir)) {
                throw new IOException("its cgroup " + dir + " is not visible here");
            }
            return dir;
        }
        throw new IOException("no CPU cgroup found for pid " + pid);
    }

    /** The quota in CPUs, or empty when unlimited. */
    public Optional<Double> quotaCpus(Path cgroup) throws IOException {
        long[] qp = read(cgroup);
        return qp[0] < 0 ? Optional.empty() : Optional.of((double) qp[0] / qp[1]);
    }

    /** Sets the quota to {@code cpus} CPUs and reads it back. */
    public void setQuotaCpus(Path cgroup, int cpus) throws IOException {
        long period = read(cgroup)[1];
        long quota = cpus * period;
        if (Files.exists(cgroup.resolve("cpu.max"))) {
            Files.writeString(cgroup.resolve("cpu.max"), quota + " " + period + "\n");
        } else {
            Files.writeString(cgroup.resolve("cpu.cfs_quota_us"), quota + "\n");
        }
        if (read(cgroup)[0] != quota) {
            throw new IOException("the quota did not stick");
        }
    }

    /** {quota_us, period_us}; quota -1 when unlimited. */
    private static long[] read(Path cgroup) throws IOException {
        Path max = cgroup.resolve("cpu.max");
        if (Files.exists(max)) {
            String[] f = Files.readString(max).strip().split("\\s+");
            return new long[] {f[0].equals("max") ? -1 : Long.parseLong(f[0]), f.length > 1 ? Long.parseLong(f[1]) : DEFAULT_PERIOD_US};
        }
        long quota = Long.parseLong(Files.readString(cgroup.resolve("cpu.cfs_quota_us")).strip());
        long period = Long.parseLong(Files.readString(cgroup.resolve("cpu.cfs_period_us")).strip());
        return new long[] {quota, period};
    }

    private Path v1Mount() {
        for (String name : new String[] {"cpu", "cpu,cpuacct"}) {
            if (Files.isDirectory(cgroupRoot.resolve(name))) {
                return cgroupRoot.resolve(name);
            }
        }
        return cgroupRoot.resolve("cpu");
    }
}
