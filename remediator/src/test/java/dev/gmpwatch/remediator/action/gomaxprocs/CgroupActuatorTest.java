package dev.gmpwatch.remediator.action.gomaxprocs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.remediator.testing.GomaxprocsService;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup actuator against a cgroup v1 cpu group the test creates, with a Go 1.26 service
 * (go 1.25+ in its go.mod) inside: the quota files, idempotency, bounds, and what the Go runtime
 * does with the quota.
 */
class CgroupActuatorTest {
    private static final Path CPU = Path.of("/sys/fs/cgroup/cpu");

    @TempDir
    Path dir;
    Path cgroup;
    GomaxprocsService svc;
    RemediatorHarness r;

    @BeforeEach
    void start() throws Exception {
        if (!Files.isWritable(CPU.resolve("cgroup.procs"))) {
            throw new AssertionError("cgroup v1 cpu is not writable at " + CPU + " (needs root)");
        }
        cgroup = Files.createDirectory(CPU.resolve("gmpwatch-test-" + UUID.randomUUID()));
        r = new RemediatorHarness(TestConfig.sqlite(dir)
                .policy("idle", "{alertname: GoProcessorsIdle}", "{type: gomaxprocs, actuator: cgroup, direction: down, minInterval: 30s}")
                .policy("saturated", "{alertname: GoProcessorsSaturated}", "{type: gomaxprocs, actuator: cgroup, direction: up, minInterval: 30s}")
                .yaml(), dir, false);
    }

    @AfterEach
    void stop() throws Exception {
        r.close();
        if (svc != null) {
            svc.close();
            Thread.sleep(200);
        }
        Files.deleteIfExists(cgroup);
    }

    private String alert(String name, String status, String fp, String startsAt) {
        return "{\"version\":\"4\",\"status\":\"" + status + "\",\"alerts\":[{\"status\":\"" + status + "\",\"fingerprint\":\""
                + fp + "\",\"startsAt\":\"" + startsAt + "\",\"labels\":{\"alertname\":\"" + name + "\",\"pid\":\"" + svc.pid()
                + "\",\"exe\":\"gomaxprocs-service\"}}]}";
    }

    private long quota() throws Exception {
        return Long.parseLong(Files.readString(cgroup.resolve("cpu.cfs_quota_us")).strip());
    }

    @Test
    void stepsTheQuotaInBoundsIdempotentlyAndTheRuntimeFollowsItsOwnRule() throws Exception {
        svc = GomaxprocsService.start(Map.of(), "1.26");
        Files.writeString(cgroup.resolve("cgroup.procs"), svc.pid() + "\n");
        long period = Long.parseLong(Files.readString(cgroup.resolve("cpu.cfs_period_us")).strip());
        int cpus = Runtime.getRuntime().availableProcessors();
        assertEquals(-1, quota(), "no quota to begin with");

        assertEquals(200, r.post(alert("GoProcessorsIdle", "firing", "a1", "2026-01-01T00:00:00Z")).statusCode());
        r.executor.runDue();
        assertEquals((cpus - 1) * period, quota(), "one CPU less");
        // Go 1.25+: GOMAXPROCS = min(NumCPU, max(2, ceil(quota))) within about a second.
        int predicted = Math.min(cpus, Math.max(2, cpus - 1));
        assertEquals(predicted, svc.await(predicted, 3000), "the runtime follows the quota by its own rule");

        r.post(alert("GoProcessorsIdle", "firing", "a1", "2026-01-01T00:00:00Z"));
        r.executor.runDue();
        assertEquals((cpus - 1) * period, quota(), "the same notification again changes nothing");

        r.clock.advance(Duration.ofSeconds(31));
        r.post(alert("GoProcessorsIdle", "firing", "a1", "2026-01-01T00:01:00Z"));
        r.executor.runDue();
        assertEquals((cpus - 1) * period, quota(), "never below ceil(NumCPU/2)");
        assertTrue(r.get("/api/v1/actions").body().contains("at bound"), r.get("/api/v1/actions").body());

        r.post(alert("GoProcessorsIdle", "resolved", "a1", "2026-01-01T00:01:00Z"));
        r.clock.advance(Duration.ofSeconds(31));
        r.post(alert("GoProcessorsSaturated", "firing", "b1", "2026-01-01T00:02:00Z"));
        r.executor.runDue();
        assertEquals(cpus * period, quota(), "back up by one CPU");
    }

    @Test
    void aServicePinnedByTheGomaxprocsVariableIsRefusedWithItsReason() throws Exception {
        svc = GomaxprocsService.start(Map.of("GOMAXPROCS", "2"), "1.26");
        Files.writeString(cgroup.resolve("cgroup.procs"), svc.pid() + "\n");
        r.post(alert("GoProcessorsIdle", "firing", "c1", "2026-01-01T00:00:00Z"));
        r.executor.runDue();
        assertEquals(-1, quota(), "nothing written");
        assertTrue(r.get("/api/v1/actions").body().contains("the GOMAXPROCS environment variable (GOMAXPROCS=2) pins it"));
    }

    @Test
    void aProcessInTheRootCgroupIsRefused() throws Exception {
        svc = GomaxprocsService.start(Map.of(), "1.26");
        r.post(alert("GoProcessorsIdle", "firing", "d1", "2026-01-01T00:00:00Z"));
        r.executor.runDue();
        assertTrue(r.get("/api/v1/actions").body().contains("root cgroup"), r.get("/api/v1/actions").body());
    }
}
