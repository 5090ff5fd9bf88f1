package dev.gmpwatch.remediator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.testing.HaproxyServer;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store written by the previous schema (3) keeps its circuits, guards and queued work after V4. */
class MigrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final String STEP_TARGET = "gomaxprocs:http://127.0.0.1:1/debug/gomaxprocs#pid=4242";

    @TempDir
    Path dir;

    @Test
    void schemaThreeStateIsKeptAndUsedByTheActions() throws Exception {
        Path db = dir.resolve("state.db");
        writeSchemaThree("jdbc:sqlite:" + db);
        try (HaproxyServer haproxy = HaproxyServer.start(dir, "web", 3)) {
            haproxy.client().setState("web", "s1", "maint"); // the circuit the old version opened
            String yaml = TestConfig.store("jdbc:sqlite:" + db).section("haproxy", "{lb: {socket: " + haproxy.socket() + "}}")
                    .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}", TestConfig.DEFAULT_LIMITS)
                    .policy("idle", "{alertname: GoProcessorsIdle}", "{type: gomaxprocs, direction: down}", TestConfig.DEFAULT_LIMITS)
                    .yaml();
            try (RemediatorHarness r = new RemediatorHarness(yaml, dir, false)) {
                JsonNode open = JSON.readTree(r.get("/api/v1/state").body()).get("openCircuits");
                assertEquals(1, open.size(), open.toString());
                assertEquals("haproxy:lb/web/s1", open.get(0).get("target").asText());
                assertEquals("2026-01-01T00:00:01Z", open.get(0).get("restoreAt").asText());

                r.clock.advance(java.time.Duration.ofSeconds(2));
                r.executor.runDue(); // the migrated restore is due, and the migrated step intent runs
                assertEquals("ready", haproxy.states("web").get("s1"), "the old circuit restored through the new action");
                String audit = r.get("/api/v1/actions").body();
                assertTrue(audit.contains("restored: state ready verified"), audit);
                assertTrue(audit.contains("\"decision\":\"skipped-hysteresis\",\"result\":\"frozen\""), "the old freeze holds: " + audit);

                String idle = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"0b1\","
                        + "\"startsAt\":\"2026-01-01T00:00:00Z\",\"labels\":{\"alertname\":\"GoProcessorsIdle\","
                        + "\"admin_address\":\"127.0.0.1:1\",\"pid\":\"4242\"}}]}";
                String reply = r.post(idle).body();
                assertTrue(reply.contains("\"target\":\"" + STEP_TARGET + "\""), reply);
                assertTrue(reply.contains("\"decision\":\"skipped-hysteresis\""), "a new alert sees the migrated freeze: " + reply);
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            assertEquals(2, count(s, "SELECT COUNT(*) FROM events WHERE scope = 'haproxy:lb/web/s1' AND kind = 'open'"));
            assertEquals(1, count(s, "SELECT COUNT(*) FROM events WHERE kind = 'flip'"));
            assertEquals(0, count(s, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('circuits', 'gomaxprocs_targets')"));
            assertEquals(4, count(s, "SELECT MAX(version) FROM schema_version"));
        }
    }

    /** The previous version's schema, from its own scripts, with the rows it would have written. */
    private static void writeSchemaThree(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
            for (String script : new String[] {"V1__init.sql", "V2__http_action.sql", "V3__gomaxprocs.sql"}) {
                try (InputStream in = MigrationTest.class.getResourceAsStream("/db/" + script)) {
                    for (String stmt : new String(in.readAllBytes(), StandardCharsets.UTF_8).split(";")) {
                        if (!stmt.replaceAll("--[^\n]*", "").isBlank()) {
                            s.execute(stmt);
                        }
                    }
                }
            }
            s.execute("INSERT INTO schema_version VALUES (1), (2), (3)");
            s.execute("INSERT INTO circuits (target, policy, haproxy, backend, server, state, opened_at, restore_at, frozen,"
                    + " action_type) VALUES ('haproxy:lb/web/s1', 'goroutine-leak', 'lb', 'web', 's1', 'open', " + (T0 - 60_000)
                    + ", " + (T0 + 1000) + ", 0, 'haproxy')");
            s.execute("INSERT INTO circuits (target, policy, haproxy, backend, server, state, frozen, action_type, method,"
                    + " open_url, close_url) VALUES ('http:http://127.0.0.1:1/b/open', 'gateway', '', '', '', 'closed', 0, 'http',"
                    + " 'POST', 'http://127.0.0.1:1/b/open', 'http://127.0.0.1:1/b/close')");
            s.execute("INSERT INTO circuit_opens VALUES ('haproxy:lb/web/s1', " + (T0 - 120_000) + "), ('haproxy:lb/web/s1', "
                    + (T0 - 60_000) + ")");
            s.execute("INSERT INTO gomaxprocs_targets VALUES ('" + STEP_TARGET + "', 3, " + (T0 - 600_000) + ", 'down', 1, NULL, NULL)");
            s.execute("INSERT INTO gomaxprocs_flips VALUES ('" + STEP_TARGET + "', " + (T0 - 600_000) + ")");
            s.execute("INSERT INTO intents (target, op, policy, fingerprint, labels, status, created_at, updated_at) VALUES ('"
                    + STEP_TARGET + "', 'step-down', 'idle', '0a9', '{}', 'pending', " + T0 + ", " + T0 + ")");
        }
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
