package dev.gmpwatch.exporter.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * CPU throttling of a process's cgroup (CFS quota), from cpu.stat: cgroup v1 under
 * /sys/fs/cgroup/cpu (or cpu,cpuacct), v2 under the unified hierarchy.
 */
public final class CgroupThrottling {
    /** Periods in which the cgroup hit its quota, and the time its threads were held back. */
    public record Throttling(long periods, long throttledPeriods, long throttledNanos) {
    }

    private final Procfs proc;
    private final Path cgroupRoot;

    public CgroupThrottling(Procfs proc) {
        this.proc = proc;
        this.cgroupRoot = proc.cgroupRoot();
    }

    public Optional<Throttling> of(long pid) {
        try {
            for (String line : proc.cgroups(pid)) {
                String[] f = line.split(":", 3);
                if (f.length != 3 || f[2].contains("..")) {
                    continue;
                }
                String rel = f[2].startsWith("/") ? f[2].substring(1) : f[2];
                if (f[1].isEmpty() && f[0].equals("0")) {
                    Optional<Throttling> v2 = read(cgroupRoot.resolve(rel).resolve("cpu.stat"), "throttled_usec", 1000);
                    if (v2.isPresent()) {
                        return v2;
                    }
                }
                for (String controller : f[1].split(",")) {
                    if (controller.equals("cpu")) {
                        for (String mount : new String[] {"cpu", "cpu,cpuacct", "cpuacct,cpu"}) {
                            Optional<Throttling> v1 = read(cgroupRoot.resolve(mount).resolve(rel).resolve("cpu.stat"), "throttled_time", 1);
                            if (v1.isPresent()) {
                                return v1;
                            }
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<Throttling> read(Path cpuStat, String timeKey, long toNanos) {
        if (!Files.isRegularFile(cpuStat)) {
            return Optional.empty();
        }
        long periods = 0;
        long throttled = 0;
        long time = -1;
        try {
            for (String line : Files.readAllLines(cpuStat)) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length != 2) {
                    continue;
                }
                switch (kv[0]) {
                    case "nr_periods" -> periods = Long.parseLong(kv[1]);
                    case "nr_throttled" -> throttled = Long.parseLong(kv[1]);
                    default -> {
                        if (kv[0].equals(timeKey)) {
                            time = Long.parseLong(kv[1]) * toNanos;
                        }
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return time < 0 ? Optional.empty() : Optional.of(new Throttling(periods, throttled, time));
    }
}
