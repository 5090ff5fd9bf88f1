package dev.gmpwatch.remediator.action.gomaxprocs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.remediator.testing.GomaxprocsService;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gomaxprocs action against a real Go service that mounts deploy/gomaxprocs, with a hand-driven clock. */
class GomaxprocsTest {
    @TempDir
    Path dir;
    GomaxprocsService svc;
    RemediatorHarness r;

    @BeforeEach
    void start() throws Exception {
        svc = GomaxprocsService.start(Map.of());
        r = new RemediatorHarness(TestConfig.sqlite(dir)
                .policy("idle", "{alertname: GoProcessorsIdle}",
                        "{type: gomaxprocs, direction: down, minInterval: 30s, flipGuard: {maxFlips: 2, within: 10m}}")
                .policy("saturated", "{alertname: GoProcessorsSaturated}",
                        "{type: gomaxprocs, direction: up, minInterval: 30s, flipGuard: {maxFlips: 2, within: 10m}}")
                .yaml(), dir, false);
    }

    @AfterEach
    void stop() {
        r.close();
        svc.close();
    }

    private String alert(String name, String status, String fp, String startsAt, String pid, String exe) {
        return "{\"version\":\"4\",\"status\":\"" + status + "\",\"alerts\":[{\"status\":\"" + status + "\",\"fingerprint\":\""
                + fp + "\",\"startsAt\":\"" + startsAt + "\",\"labels\":{\"alertname\":\"" + name + "\",\"admin_address\":\""
                + svc.address() + "\",\"pid\":\"" + pid + "\",\"exe\":\"" + exe + "\"}}]}";
    }

    private String idle(String fp, String startsAt) {
        return alert("GoProcessorsIdle", "firing", fp, startsAt, Long.toString(svc.pid()), "gomaxprocs-service");
    }

    private String saturated(String fp, String startsAt) {
        return alert("GoProcessorsSaturated", "firing", fp, startsAt, Long.toString(svc.pid()), "gomaxprocs-service");
    }

    @Test
    void stepsDownAndUpByOneWithinBoundsAndTheMinimumInterval() throws Exception {
        int start = svc.gomaxprocs();
        int cpus = Runtime.getRuntime().availableProcessors();
        assertEquals(cpus, start, "the fixture starts at NumCPU");
        assertEquals(200, r.post(idle("a1", "2026-01-01T00:00:00Z")).statusCode());
        r.executor.runDue();
        assertEquals(start - 1, svc.await(start - 1, 3000), "an idle alert lowers it by exactly 1");

        assertEquals(200, r.post(idle("a1", "2026-01-01T00:00:10Z")).statusCode());
        r.executor.runDue();
        assertEquals(start - 1, svc.await(start - 2, 500), "a second alert within the minimum interval changes nothing");
        assertTrue(r.get("/api/v1/actions").body().contains("minimum interval"), r.get("/api/v1/actions").body());

        r.clock.advance(Duration.ofSeconds(31));
        r.post(idle("a1", "2026-01-01T00:01:00Z"));
        r.executor.runDue();
        assertEquals(start - 1, svc.await(start - 2, 500), "never below ceil(NumCPU/2)");
        assertTrue(r.get("/api/v1/actions").body().contains("at bound"));

        r.post(alert("GoProcessorsIdle", "resolved", "a1", "2026-01-01T00:01:00Z", Long.toString(svc.pid()), "gomaxprocs-service"));
        r.clock.advance(Duration.ofSeconds(31));
        r.post(saturated("b1", "2026-01-01T00:02:00Z"));
        r.executor.runDue();
        assertEquals(start, svc.await(start, 3000), "a saturated alert raises it by 1");

        r.clock.advance(Duration.ofSeconds(31));
        r.post(saturated("b1", "2026-01-01T00:03:00Z"));
        r.executor.runDue();
        assertEquals(start, svc.await(start + 1, 500), "never above NumCPU");
    }

    @Test
    void bothDirectionsFiringFreezeTheTarget() throws Exception {
        int before = svc.gomaxprocs();
        // One notification carrying both, as an Alertmanager group would: decided together.
        String both = idle("c1", "2026-01-01T00:00:00Z").replace("}]}", "},"
                + saturated("c2", "2026-01-01T00:00:00Z").substring(saturated("c2", "2026-01-01T00:00:00Z").indexOf("[{") + 1));
        assertEquals(200, r.post(both).statusCode(), both);
        r.executor.runDue();
        assertTrue(r.get("/api/v1/actions").body().contains("frozen: the idle and saturated alerts fire at once"));
        r.clock.advance(Duration.ofMinutes(5));
        r.post(idle("c1", "2026-01-01T00:05:00Z"));
        r.executor.runDue();
        assertEquals(before, svc.await(before - 1, 500), "frozen: no step at all");
    }

    @Test
    void tooManyDirectionChangesFreezeTheTarget() throws Exception {
        String pid = Long.toString(svc.pid());
        for (int i = 0; i < 4; i++) {
            String name = i % 2 == 0 ? "GoProcessorsIdle" : "GoProcessorsSaturated";
            String starts = "2026-01-01T00:0" + i + ":00Z";
            r.post(alert(name, "firing", "f" + i, starts, pid, "gomaxprocs-service"));
            r.executor.runDue();
            r.post(alert(name, "resolved", "f" + i, starts, pid, "gomaxprocs-service"));
            r.clock.advance(Duration.ofSeconds(31));
        }
        String audit = r.get("/api/v1/actions?limit=100").body();
        assertTrue(audit.contains("frozen: 3 direction changes within PT10M"), audit);
        assertEquals(3, audit.split("GOMAXPROCS ", -1).length - 1, "three steps, then frozen: " + audit);
    }

    @Test
    void aReusedPidIsNeverTouched() throws Exception {
        int before = svc.gomaxprocs();
        r.post(alert("GoProcessorsIdle", "firing", "d1", "2026-01-01T00:00:00Z", Long.toString(svc.pid()), "some-other-binary"));
        r.executor.runDue();
        assertEquals(before, svc.await(before - 1, 500));
        assertTrue(r.get("/api/v1/actions").body().contains("now runs gomaxprocs-service, not some-other-binary"));
    }

    @Test
    void badLabelsAreRejected() throws Exception {
        String evil = idle("e1", "2026-01-01T00:00:00Z");
        assertEquals(400, r.post(evil.replace(svc.address(), "evil.example:80")).statusCode(), "address outside the allowed pattern");
        assertEquals(400, r.post(evil.replace("\"pid\":\"" + svc.pid(), "\"pid\":\"1;reboot")).statusCode());
        assertEquals(400, r.post(evil.replace("gomaxprocs-service", "../../bin/sh")).statusCode());
    }

    @Test
    void theShippedPackagePassesItsOwnTestsOnNewestGoAndGo119() throws Exception {
        assertTrue(GomaxprocsService.goTest(Path.of("/usr/local/go/bin/go")).contains("ok"));
        assertTrue(GomaxprocsService.goTest(Path.of("/usr/lib/go-1.19/bin/go")).contains("ok"));
    }
}
