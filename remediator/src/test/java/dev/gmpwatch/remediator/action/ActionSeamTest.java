package dev.gmpwatch.remediator.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.config.ActionTypes;
import dev.gmpwatch.remediator.config.ConfigLoader;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.testing.CountingAction;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lever that exists only in the tests, registered in one line, driven through a real webhook. */
class ActionSeamTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private String yaml() {
        return TestConfig.sqlite(dir).policy("count-it", "{alertname: GoroutineLeak}", "{type: counting, name: \"svc-{{ labels.server }}\"}",
                "rateLimit: {perTarget: 2/1h, perPolicy: 1000/1s}").yaml();
    }

    @Test
    void aNewActionTypeIsOneClassAndOneRegistration() throws Exception {
        CountingAction counting = new CountingAction();
        try (RemediatorHarness r = new RemediatorHarness(yaml(), dir, false, ActionTypes.standard().with(counting))) {
            for (int i = 0; i < 3; i++) {
                String starts = "2026-01-01T00:0" + i + ":00Z";
                assertEquals(200, r.post(RemediatorHarness.notification("firing", "a1", starts, "web", "checkout")).statusCode());
                r.executor.runDue();
            }
            assertEquals(2, counting.runsOf("svc-checkout"), "a step repeats per fresh notification, within its rate limit: "
                    + counting.runs());
            JsonNode actions = JSON.readTree(r.get("/api/v1/actions").body()).get("actions");
            assertEquals("skipped-rate-limited", actions.get(0).get("decision").asText(), actions.toString());
            assertEquals("executed", actions.get(1).get("decision").asText(), actions.toString());
            assertEquals("counting", actions.get(1).get("action").asText());
            assertEquals("counting:svc-checkout", actions.get(1).get("target").asText());
            assertTrue(actions.get(1).get("result").asText().startsWith("counted svc-checkout"), actions.toString());
            String metrics = r.get("/metrics").body();
            assertTrue(metrics.contains("gmpwatch_remediator_actions_total{action=\"counting\",result=\"ok\",} 2.0"), metrics);

            assertEquals(400, r.post(RemediatorHarness.notification("firing", "b1", "2026-01-01T00:00:00Z", "web", "x y"))
                    .statusCode(), "the engine rejects a label the action's template refuses");
            r.executor.runDue();
            assertEquals(2, counting.runs().size());

            // The limit is a window on the injected clock: an hour later there is room again.
            r.clock.advance(Duration.ofMinutes(59));
            r.post(RemediatorHarness.notification("firing", "a1", "2026-01-01T00:59:00Z", "web", "checkout"));
            r.executor.runDue();
            assertEquals(2, counting.runs().size(), "59 minutes later both permits are still in the window");
            r.clock.advance(Duration.ofMinutes(1));
            r.post(RemediatorHarness.notification("firing", "a1", "2026-01-01T01:00:00Z", "web", "checkout"));
            r.executor.runDue();
            assertEquals(3, counting.runs().size(), "60 minutes later the first permits have left it");
        }
    }

    @Test
    void itsConfigurationIsValidatedByTheTypeAndUnknownTypesAreNamed() throws Exception {
        Files.writeString(dir.resolve("token"), "t\n");
        ActionTypes types = ActionTypes.standard().with(new CountingAction());
        ConfigException extra = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(yaml().replace("name: \"svc-", "colour: red, name: \"svc-"), dir, types));
        assertEquals("policies[0].action.colour: unknown key", extra.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml(), dir));
        assertEquals("policies[0].action.type: 'counting' is not a known action (gomaxprocs, haproxy, http, kubernetes)", unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> types.with(new CountingAction()), "a name registered twice");
        assertEquals(List.of("counting", "gomaxprocs", "haproxy", "http", "kubernetes"),
                types.all().stream().map(t -> t.name()).sorted().toList());
    }
}
