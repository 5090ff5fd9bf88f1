package dev.gmpwatch.exporter.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** schedstat and cpu.stat parsing, on made-up /proc and cgroup trees. */
class KernelStatsTest {
    @TempDir
    Path root;

    @Test
    void cpuWaitSumsTheThreadsRunQueueTime() throws Exception {
        Path proc = root.resolve("proc");
        write(proc.resolve("42/task/42/schedstat"), "5000 1200 7\n");
        write(proc.resolve("42/task/43/schedstat"), "9000 800 3\n");
        write(proc.resolve("42/task/44/schedstat"), "garbage\n"); // a thread read mid-exit
        assertEquals(2000, new CpuWait(Procfs.at(proc)).waitNanos(42).orElseThrow());
        assertTrue(new CpuWait(Procfs.at(proc)).waitNanos(7).isEmpty(), "no such process");
    }

    @Test
    void throttlingFromCgroupV1AndV2() throws Exception {
        Path proc = root.resolve("proc");
        Path cg = root.resolve("cgroup");
        write(proc.resolve("1/cgroup"), "12:memory:/kubepods/pod1\n4:cpu,cpuacct:/kubepods/pod1/c1\n");
        write(cg.resolve("cpu,cpuacct/kubepods/pod1/c1/cpu.stat"), "nr_periods 100\nnr_throttled 7\nthrottled_time 3500000\n");
        write(proc.resolve("2/cgroup"), "0::/system.slice/api.service\n");
        write(cg.resolve("system.slice/api.service/cpu.stat"),
                "usage_usec 1\nnr_periods 50\nnr_throttled 5\nthrottled_usec 2500\n");
        write(proc.resolve("3/cgroup"), "0::/../../etc\n"); // never leaves the cgroup tree
        CgroupThrottling t = new CgroupThrottling(new Procfs(proc, cg));
        assertEquals(Optional.of(new CgroupThrottling.Throttling(100, 7, 3_500_000)), t.of(1));
        assertEquals(Optional.of(new CgroupThrottling.Throttling(50, 5, 2_500_000)), t.of(2));
        assertEquals(Optional.empty(), t.of(3));
        assertEquals(Optional.empty(), t.of(4));
    }

    private static void write(Path p, String text) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
