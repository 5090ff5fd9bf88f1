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
import dev.gmpwatch.remediator.testing.TestConfig;
import dev.gmpwatch.remediator.testing.Waits;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two remediator replicas on one real PostgreSQL: the rate limits, the caps and the flap guard
 * are decided in the shared store, so together the replicas act as one.
 */
class ReplicasTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void rateLimitsHoldAcrossReplicasFedByTwoClusteredAlertmanagers() throws Exception {
        CountingAction counting = new CountingAction();
        ActionTypes types = ActionTypes.standard().with(counting);
        try (PostgresServer pg = PostgresServer.start()) {
            String yaml = TestConfig.store(pg.jdbcUrl()).policy("burst", "{alertname: Burst}",
                    "{type: counting, name: \"{{ labels.service }}\"}", "rateLimit: {perTarget: 3/1h, perPolicy: 5/1h}").yaml();
            try (RemediatorHarness a = new RemediatorHarness(yaml, dir, false, types);
                 RemediatorHarness b = new RemediatorHarness(yaml, dir, false, types)) {
                Path amConfig = AlertmanagerServer.routeToReplicas(dir, "am.yml", List.of(a.port(), b.port()), dir.resolve("token"));
                AlertmanagerServer[] cluster = AlertmanagerServer.startCluster(dir, amConfig);
                try (AlertmanagerServer am1 = cluster[0]; AlertmanagerServer am2 = cluster[1]) {
                    // 20 distinct alerts on one target and one policy, sent to both Alertmanagers.
                    String onOneTarget = alerts("checkout", 20, "one");
                    am1.post(onOneTarget);
                    am2.post(onOneTarget);
                    awaitDecided(a, 20);
                    assertEquals(3, counting.runsOf("checkout"), "the per-target limit, 3/1h, across both replicas: "
                            + counting.runs());

                    // 20 more on 20 other targets of the same policy: only the policy's 2 remaining permits act.
                    for (int i = 0; i < 20; i++) {
                        String other = alerts("svc" + i, 1, "other" + i);
                        (i % 2 == 0 ? am1 : am2).post(other);
                    }
                    awaitDecided(a, 40);
                    assertEquals(5, counting.runs().size(), "the per-policy limit, 5/1h, across both replicas: " + counting.runs());
                    Set<String> intents = new HashSet<>(counting.runs());
                    assertEquals(5, intents.size(), "every intent ran once: " + counting.runs());
                    long limited = decisions(a).stream().filter(d -> d.equals("skipped-rate-limited")).count();
                    assertEquals(35, limited, "each refused alert is audited once");
                }
            }
        }
    }

    @Test
    void theFractionCapHoldsWhenBothReplicasOpenAtOnce() throws Exception {
        try (PostgresServer pg = PostgresServer.start(); HaproxyServer haproxy = HaproxyServer.start(dir, "web", 4)) {
            String yaml = haproxyPolicy(pg, haproxy, "caps: {maxOpenPerBackend: 4, maxOpenFraction: 0.5}");
            try (RemediatorHarness a = new RemediatorHarness(yaml, dir, false);
                 RemediatorHarness b = new RemediatorHarness(yaml, dir, false)) {
                ExecutorService pool = Executors.newFixedThreadPool(4);
                List<Future<Integer>> codes = List.of(
                        pool.submit(() -> a.post(notification("firing", "f1", "2026-01-01T00:00:00Z", "web", "s1")).statusCode()),
                        pool.submit(() -> b.post(notification("firing", "f2", "2026-01-01T00:00:00Z", "web", "s2")).statusCode()),
                        pool.submit(() -> a.post(notification("firing", "f3", "2026-01-01T00:00:00Z", "web", "s3")).statusCode()),
                        pool.submit(() -> b.post(notification("firing", "f4", "2026-01-01T00:00:00Z", "web", "s4")).statusCode()));
                for (Future<Integer> c : codes) {
                    assertEquals(200, c.get());
                }
                Future<?> runA = pool.submit(a.executor::runDue);
                Future<?> runB = pool.submit(b.executor::runDue);
                runA.get();
                runB.get();
                pool.shutdown();
                Waits.check(() -> JSON.readTree(a.get("/api/v1/state").body()).get("pendingActions").isEmpty(),
                        Duration.ofSeconds(20), "both executors to finish");
                Map<String, String> states = haproxy.states("web");
                long out = states.values().stream().filter(s -> !s.equals("ready")).count();
                assertTrue(out >= 1 && out <= 2, "at most half of 4 servers out, across both replicas: " + states);
                String audit = a.get("/api/v1/actions?limit=100").body();
                assertEquals(4 - out, audit.split("servers would be out", -1).length - 1, audit);
            }
        }
    }

    @Test
    void theFlapGuardCountsOpensFromBothReplicas() throws Exception {
        try (PostgresServer pg = PostgresServer.start(); HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3)) {
            String yaml = haproxyPolicy(pg, haproxy, "flapGuard: {maxCycles: 2, within: 1h}");
            try (RemediatorHarness a = new RemediatorHarness(yaml, dir, false);
                 RemediatorHarness b = new RemediatorHarness(yaml, dir, false)) {
                for (int cycle = 0; cycle < 3; cycle++) {
                    RemediatorHarness r = cycle % 2 == 0 ? a : b;
                    String starts = "2026-01-01T00:" + (10 + cycle * 10) + ":00Z";
                    assertEquals(200, r.post(notification("firing", "f1", starts, "web", "s3")).statusCode());
                    r.executor.runDue();
                    assertEquals(200, r.post(notification("resolved", "f1", starts, "web", "s3")).statusCode());
                    a.clock.advance(Duration.ofMinutes(6));
                    b.clock.advance(Duration.ofMinutes(6));
                    r.executor.runDue();
                }
                assertEquals("maint", haproxy.states("web").get("s3"), "frozen open on the third open, made by the other replica");
                assertTrue(b.get("/api/v1/state").body().contains("\"frozen\":true"));
                assertTrue(a.get("/api/v1/actions").body().contains("frozen open: 3 opens within PT1H"));
            }
        }
    }

    private static String haproxyPolicy(PostgresServer pg, HaproxyServer haproxy, String guard) {
        return TestConfig.store(pg.jdbcUrl()).section("haproxy", "{lb: {socket: " + haproxy.socket() + "}}")
                .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}", "restoreAfter: 5m", guard)
                .yaml();
    }

    /** N distinct firing alerts (by instance) on one service, for /api/v2/alerts. */
    private static String alerts(String service, int n, String batch) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"labels\":{\"alertname\":\"Burst\",\"service\":\"").append(service)
                    .append("\",\"instance\":\"").append(batch).append('-').append(i).append("\"},\"startsAt\":\"")
                    .append(Instant.now().minusSeconds(5)).append("\"}");
        }
        return b.append(']').toString();
    }

    /** Waits until this many distinct alerts have an outcome in the audit log (acted on or refused). */
    private static void awaitDecided(RemediatorHarness r, int alerts) throws Exception {
        Waits.check(() -> {
            Set<String> fingerprints = new HashSet<>();
            for (JsonNode x : JSON.readTree(r.get("/api/v1/actions?limit=1000").body()).get("actions")) {
                if (!x.get("decision").asText().equals("skipped-duplicate")) {
                    fingerprints.add(x.get("fingerprint").asText());
                }
            }
            return fingerprints.size() >= alerts;
        }, Duration.ofSeconds(60), alerts + " alerts to be decided");
        Thread.sleep(2000); // late duplicates from the other Alertmanager and replica must change nothing
    }

    private static List<String> decisions(RemediatorHarness r) throws Exception {
        return JSON.readTree(r.get("/api/v1/actions?limit=1000").body()).get("actions").findValuesAsText("decision");
    }
}
