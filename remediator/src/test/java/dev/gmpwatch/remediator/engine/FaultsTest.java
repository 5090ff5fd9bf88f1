package dev.gmpwatch.remediator.engine;

import static dev.gmpwatch.remediator.testing.RemediatorHarness.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.config.ActionTypes;
import dev.gmpwatch.remediator.testing.AlertmanagerServer;
import dev.gmpwatch.remediator.testing.CountingAction;
import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.PostgresServer;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TcpRelay;
import dev.gmpwatch.remediator.testing.TestConfig;
import dev.gmpwatch.remediator.testing.Waits;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store and the lever go away while alerts arrive: nothing is lost, nothing is done twice. */
class FaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void postgresStoppedForTenSecondsWhileAlertmanagerDelivers() throws Exception {
        CountingAction counting = new CountingAction();
        try (PostgresServer pg = PostgresServer.start()) {
            String yaml = TestConfig.store(pg.jdbcUrl())
                    .policy("outage", "{alertname: Outage}", "{type: counting, name: \"{{ labels.service }}\"}").yaml();
            try (RemediatorHarness r = new RemediatorHarness(yaml, dir, false, ActionTypes.standard().with(counting));
                 AlertmanagerServer am = AlertmanagerServer.start(dir, "am",
                         AlertmanagerServer.routeToReplicas(dir, "am.yml", List.of(r.port()), dir.resolve("token")))) {
                pg.stop();
                long stoppedAt = System.nanoTime();
                HttpResponse<String> direct = r.post(notification("firing", "0d1", "2026-01-01T00:00:00Z", "web", "s1"));
                assertEquals(503, direct.statusCode(), direct.body());
                assertEquals(1, direct.body().strip().lines().count(), direct.body());
                assertTrue(direct.body().contains("store unavailable, retry later"), direct.body());

                StringBuilder alerts = new StringBuilder("[");
                for (int i = 0; i < 5; i++) {
                    alerts.append(i == 0 ? "" : ",").append("{\"labels\":{\"alertname\":\"Outage\",\"service\":\"svc").append(i)
                            .append("\"},\"startsAt\":\"").append(Instant.now().minusSeconds(5)).append("\"}");
                }
                am.post(alerts.append(']').toString());
                Waits.check(() -> metric(r, "gmpwatch_remediator_webhook_requests_total{code=\"503\",}") >= 3,
                        Duration.ofSeconds(10), "Alertmanager's deliveries to be answered 503");
                Thread.sleep(Math.max(0, 10_000 - (System.nanoTime() - stoppedAt) / 1_000_000));
                pg.restart();

                Waits.check(() -> counting.runs().size() >= 5, Duration.ofSeconds(90), "the 5 alerts to be acted on");
                Thread.sleep(3000); // Alertmanager's later retries and resends must be duplicates
                for (int i = 0; i < 5; i++) {
                    assertEquals(1, counting.runsOf("svc" + i), "exactly one action for svc" + i + ": " + counting.runs());
                }
                Map<String, Integer> executed = new HashMap<>();
                for (JsonNode x : JSON.readTree(r.get("/api/v1/actions?limit=1000").body()).get("actions")) {
                    if (x.get("decision").asText().equals("executed")) {
                        executed.merge(x.get("fingerprint").asText(), 1, Integer::sum);
                    }
                }
                assertEquals(5, executed.size(), executed.toString());
                assertTrue(executed.values().stream().allMatch(n -> n == 1), "one executed entry per alert: " + executed);
                assertTrue(metric(r, "gmpwatch_remediator_webhook_requests_total{code=\"200\",}") >= 1);
            }
        }
    }

    @Test
    void haproxyDownWithAnOpenPendingIsRetriedWithBackoffAndSentOnce() throws Exception {
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3); TcpRelay relay = new TcpRelay(haproxy.adminPort())) {
            String yaml = TestConfig.sqlite(dir).section("haproxy", "{lb: {address: \"127.0.0.1:" + relay.port() + "\", timeout: 2s}}")
                    .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}").yaml();
            try (RemediatorHarness r = new RemediatorHarness(yaml, dir, false)) {
                haproxy.stop();
                assertEquals(200, r.post(notification("firing", "0a1", "2026-01-01T00:00:00Z", "web", "s1")).statusCode());
                r.executor.runDue();
                r.clock.advance(Duration.ofSeconds(1));
                r.executor.runDue();
                r.executor.runDue(); // not due yet: the second retry waits 2 s
                JsonNode pending = JSON.readTree(r.get("/api/v1/state").body()).get("pendingActions");
                assertEquals(1, pending.size(), pending.toString());
                assertEquals(2, pending.get(0).get("attempts").asInt(), pending.toString());
                assertEquals("2026-01-01T00:00:03Z", pending.get(0).get("nextAttemptAt").asText(), "1 s, then 2 s: " + pending);
                assertTrue(pending.get(0).get("lastError").asText().contains("HAProxy lb"), pending.toString());
                assertEquals(2.0, metric(r, "gmpwatch_remediator_action_retries_total{action=\"haproxy\",}"));
                assertEquals(1.0, metric(r, "gmpwatch_remediator_pending_actions"));
                assertEquals(2, r.get("/api/v1/actions").body().split("\"retrying\"", -1).length - 1);

                haproxy.restart();
                r.clock.advance(Duration.ofSeconds(2));
                r.executor.runDue();
                assertEquals("maint", haproxy.states("web").get("s1"));
                assertEquals(1, relay.forwarded().stream().filter(c -> c.startsWith("set server")).count(), relay.forwarded().toString());
                assertTrue(JSON.readTree(r.get("/api/v1/state").body()).get("pendingActions").isEmpty());
                assertEquals(1.0, metric(r, "gmpwatch_remediator_actions_total{action=\"haproxy\",result=\"ok\",}"));
                assertEquals(0.0, metric(r, "gmpwatch_remediator_pending_actions"));
                JsonNode latest = JSON.readTree(r.get("/api/v1/actions").body()).get("actions").get(0);
                assertEquals("executed", latest.get("decision").asText(), latest.toString());
            }
        }
    }

    /** One sample's value from /metrics, or -1 when absent. */
    private static double metric(RemediatorHarness r, String series) throws Exception {
        for (String line : r.get("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return -1;
    }
}
