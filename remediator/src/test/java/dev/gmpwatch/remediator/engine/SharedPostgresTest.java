package dev.gmpwatch.remediator.engine;

import static dev.gmpwatch.remediator.testing.RemediatorHarness.notification;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.PostgresServer;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two remediator replicas on one PostgreSQL, both notified, as behind HA Alertmanagers: one action. */
class SharedPostgresTest {
    @TempDir
    Path dir;

    @Test
    void twoReplicasThatBothReceiveTheNotificationActOnce() throws Exception {
        try (PostgresServer pg = PostgresServer.start(); HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3)) {
            String yaml = TestConfig.store(pg.jdbcUrl()).section("haproxy", "{lb: {socket: " + haproxy.socket() + "}}")
                    .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}").yaml();
            try (RemediatorHarness a = new RemediatorHarness(yaml, dir, false);
                 RemediatorHarness b = new RemediatorHarness(yaml, dir, false)) {
                String body = notification("firing", "abc123", "2026-01-01T00:00:00Z", "web", "s1");
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<HttpResponse<String>>> replies = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    RemediatorHarness target = i % 2 == 0 ? a : b;
                    replies.add(pool.submit(() -> target.post(body)));
                }
                for (Future<HttpResponse<String>> f : replies) {
                    assertEquals(200, f.get().statusCode(), f.get().body());
                }
                Future<?> runA = pool.submit(a.executor::runDue);
                Future<?> runB = pool.submit(b.executor::runDue);
                runA.get();
                runB.get();
                pool.shutdown();
                assertEquals("maint", haproxy.states("web").get("s1"));
                JsonNode actions = new ObjectMapper().readTree(a.get("/api/v1/actions?limit=1000").body()).get("actions");
                long executed = 0;
                long duplicates = 0;
                for (JsonNode x : actions) {
                    executed += x.get("decision").asText().equals("executed") ? 1 : 0;
                    duplicates += x.get("decision").asText().equals("skipped-duplicate") ? 1 : 0;
                }
                assertEquals(1, executed, actions.toString());
                assertEquals(19, duplicates, actions.toString());
            }
        }
    }
}
