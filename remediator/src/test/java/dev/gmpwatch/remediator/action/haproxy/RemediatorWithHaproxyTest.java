package dev.gmpwatch.remediator.action.haproxy;

import static dev.gmpwatch.remediator.testing.RemediatorHarness.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The remediator against a real HAProxy: circuits open, restore, dedupe, caps, flap guard, bad input. */
class RemediatorWithHaproxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String T0 = "2026-01-01T00:00:00Z";

    @TempDir
    Path dir;
    HaproxyServer haproxy;
    RemediatorHarness r;

    @BeforeEach
    void start() throws Exception {
        haproxy = HaproxyServer.start(dir, "web", 3);
        r = harness(false);
    }

    private RemediatorHarness harness(boolean dryRun) throws Exception {
        return harness(dryRun, 1, 0.5);
    }

    private RemediatorHarness harness(boolean dryRun, int maxOpen, double fraction) throws Exception {
        String yaml = TestConfig.sqlite(dir).section("haproxy", "{lb: {socket: " + haproxy.socket() + "}}")
                .policy("goroutine-leak", "{alertname: GoroutineLeak}",
                        "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\", state: maint}",
                        "restoreAfter: 5m", "minOpen: 1m", "flapGuard: {maxCycles: 2, within: 1h}",
                        "caps: {maxOpenPerBackend: " + maxOpen + ", maxOpenFraction: " + fraction + "}")
                .yaml();
        return new RemediatorHarness(yaml, dir, dryRun);
    }

    @AfterEach
    void stop() throws Exception {
        r.close();
        haproxy.close();
    }

    @Test
    void firingOpensAndResolvedRestoresAfterRestoreAfter() throws Exception {
        assertEquals(200, r.post(notification("firing", "a1", T0, "web", "s1")).statusCode());
        r.executor.runDue();
        assertEquals(Map.of("s1", "maint", "s2", "ready", "s3", "ready"), haproxy.states("web"));

        assertEquals(200, r.post(notification("resolved", "a1", T0, "web", "s1")).statusCode());
        r.clock.advance(Duration.ofMinutes(4));
        r.executor.runDue();
        assertEquals("maint", haproxy.states("web").get("s1"), "still open before restoreAfter");
        JsonNode state = JSON.readTree(r.get("/api/v1/state").body());
        assertTrue(state.get("openCircuits").get(0).get("restoreAt").asText().startsWith("2026-01-01T00:05"), state.toString());

        r.clock.advance(Duration.ofMinutes(2));
        r.executor.runDue();
        assertEquals("ready", haproxy.states("web").get("s1"), "restored after restoreAfter");
        assertEquals(List.of("executed", "skipped-hysteresis", "executed"), decisions().subList(0, 3));
    }

    @Test
    void firingAgainBeforeTheDeadlineKeepsTheCircuitOpen() throws Exception {
        r.post(notification("firing", "a1", T0, "web", "s1"));
        r.executor.runDue();
        r.post(notification("resolved", "a1", T0, "web", "s1"));
        r.clock.advance(Duration.ofMinutes(2));
        r.post(notification("firing", "a1", "2026-01-01T00:02:00Z", "web", "s1"));
        r.clock.advance(Duration.ofMinutes(10));
        r.executor.runDue();
        assertEquals("maint", haproxy.states("web").get("s1"));
        assertTrue(r.get("/api/v1/actions").body().contains("restore cancelled"));
    }

    @Test
    void aNotificationDeliveredManyTimesActsOnce() throws Exception {
        String body = notification("firing", "b2", T0, "web", "s2");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<HttpResponse<String>>> replies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            replies.add(pool.submit(() -> r.post(body)));
        }
        for (Future<HttpResponse<String>> f : replies) {
            assertEquals(200, f.get().statusCode());
        }
        pool.shutdown();
        r.executor.runDue();
        List<String> d = decisions();
        assertEquals(1, d.stream().filter(x -> x.equals("executed")).count(), d.toString());
        assertEquals(49, d.stream().filter(x -> x.equals("skipped-duplicate")).count(), d.toString());
        assertEquals("maint", haproxy.states("web").get("s2"));
    }

    @Test
    void theCapRefusesASecondServerOfTheBackend() throws Exception {
        r.post(notification("firing", "c1", T0, "web", "s1"));
        r.executor.runDue();
        r.post(notification("firing", "c2", T0, "web", "s2"));
        r.executor.runDue();
        assertEquals(Map.of("s1", "maint", "s2", "ready", "s3", "ready"), haproxy.states("web"));
        assertTrue(decisions().contains("skipped-rate-limited"), decisions().toString());
    }

    @Test
    void theFractionCapRefusesTakingOutMoreThanHalfTheServers() throws Exception {
        r.close();
        r = harness(false, 3, 0.5);
        r.post(notification("firing", "c1", T0, "web", "s1"));
        r.executor.runDue();
        r.post(notification("firing", "c2", T0, "web", "s2"));
        r.executor.runDue();
        assertEquals(Map.of("s1", "maint", "s2", "ready", "s3", "ready"), haproxy.states("web"));
        assertTrue(r.get("/api/v1/actions").body().contains("2 of 3 servers would be out"), r.get("/api/v1/actions").body());
    }

    @Test
    void theLastHealthyServerIsNeverTakenOut() throws Exception {
        r.close();
        r = harness(false, 3, 1.0);
        for (String s : List.of("s1", "s2", "s3")) {
            r.post(notification("firing", "d" + s.charAt(1), T0, "web", s));
            r.executor.runDue();
        }
        assertEquals(Map.of("s1", "maint", "s2", "maint", "s3", "ready"), haproxy.states("web"));
        assertTrue(r.get("/api/v1/actions").body().contains("last healthy server"));
        String metrics = r.get("/metrics").body();
        assertTrue(metrics.contains("gmpwatch_remediator_open_circuits 2.0"), metrics);
        assertTrue(metrics.contains("gmpwatch_remediator_decisions_total{decision=\"skipped-rate-limited\",} 1.0"), metrics);
        assertTrue(metrics.contains("gmpwatch_remediator_webhook_requests_total{code=\"200\",} 3.0"), metrics);
    }

    @Test
    void theFlapGuardFreezesATargetOpen() throws Exception {
        for (int cycle = 0; cycle < 3; cycle++) {
            String starts = "2026-01-01T00:" + (10 + cycle * 10) + ":00Z";
            r.post(notification("firing", "f1", starts, "web", "s3"));
            r.executor.runDue();
            r.post(notification("resolved", "f1", starts, "web", "s3"));
            r.clock.advance(Duration.ofMinutes(6));
            r.executor.runDue();
        }
        assertEquals("maint", haproxy.states("web").get("s3"), "frozen open on the third open within the hour");
        assertTrue(r.get("/api/v1/state").body().contains("\"frozen\":true"));
        assertTrue(r.get("/api/v1/actions").body().contains("frozen open"));
    }

    @Test
    void badInputGetsA4xxAndChangesNothing() throws Exception {
        String good = notification("firing", "d1", T0, "web", "s1");
        assertEquals(401, r.post(good, null, "application/json").statusCode());
        assertEquals(401, r.post(good, "Bearer wrong", "application/json").statusCode());
        assertEquals(415, r.post(good, "Bearer " + RemediatorHarness.TOKEN, "text/plain").statusCode());
        assertEquals(400, r.post("{not json").statusCode());
        assertEquals(400, r.post(good.replace("\"version\":\"4\"", "\"version\":\"3\"")).statusCode());
        assertEquals(413, r.post("{\"version\":\"4\",\"pad\":\"" + "x".repeat(2 << 20) + "\"}").statusCode());
        for (String evil : List.of("s1\nset server web/s2 state maint", "s1 state maint", "s1;shutdown", "../s1",
                "s1/../../etc", "http://evil.example/", "s1%0a")) {
            HttpResponse<String> resp = r.post(notification("firing", "e1", T0, "web", evil));
            assertEquals(400, resp.statusCode(), evil + ": " + resp.body());
            assertEquals(1, resp.body().strip().lines().count(), "one-line reason");
        }
        r.executor.runDue();
        assertEquals(Map.of("s1", "ready", "s2", "ready", "s3", "ready"), haproxy.states("web"), "HAProxy unchanged");
        assertEquals(List.of(), decisions(), "nothing audited as acted on");
    }

    @Test
    void dryRunDecidesAndAuditsButChangesNothing() throws Exception {
        r.close();
        r = harness(true);
        HttpResponse<String> resp = r.post(notification("firing", "9a1", T0, "web", "s1"));
        assertEquals(200, resp.statusCode(), resp.body());
        r.executor.runDue();
        assertEquals("ready", haproxy.states("web").get("s1"));
        assertEquals(List.of("dry-run"), decisions());
    }

    /** Audit decisions, newest first. */
    private List<String> decisions() throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode a : JSON.readTree(r.get("/api/v1/actions?limit=1000").body()).get("actions")) {
            out.add(a.get("decision").asText());
        }
        return out;
    }
}
