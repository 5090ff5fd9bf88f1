package dev.gmpwatch.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gmpwatch.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rules and the Alertmanager configuration in alerts/ pass the real promtool and amtool (from
 * Debian's prometheus and prometheus-alertmanager), every alert is tested firing and not firing,
 * and every alert carries what an on-call engineer needs: a severity, a summary, a description and
 * a runbook that exists in docs/runbooks.md.
 */
class AlertRulesTest {
    private static final Path ALERTS = Repo.root().resolve("alerts");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void rulesAreValid() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/promtool", "check", "rules"));
        cmd.addAll(files(ALERTS, ".rules.yml"));
        Command.run(ALERTS, cmd).assertSuccess();
    }

    @Test
    void ruleUnitTestsPass() throws Exception {
        Path tests = ALERTS.resolve("tests");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/promtool", "test", "rules"));
        cmd.addAll(files(tests, ".yml"));
        Command.run(tests, cmd).assertSuccess();
    }

    @Test
    void alertmanagerConfigIsValid() throws Exception {
        Command.run(ALERTS, List.of("/usr/bin/amtool", "check-config", "alertmanager.yml")).assertSuccess();
    }

    @Test
    void alertmanagerSendsToTheRemediatorWithItsToken() throws Exception {
        JsonNode am = YAML.readTree(ALERTS.resolve("alertmanager.yml").toFile());
        JsonNode webhook = null;
        for (JsonNode receiver : am.path("receivers")) {
            if (receiver.path("name").asText().equals("gmpwatch-remediator")) {
                webhook = receiver.path("webhook_configs").path(0);
            }
        }
        assertTrue(webhook != null && webhook.path("url").asText().endsWith("/webhook/alertmanager"),
                "no gmpwatch-remediator webhook receiver in alertmanager.yml");
        assertTrue(webhook.path("send_resolved").asBoolean(), "the remediator restores circuits on resolved notifications");
        assertEquals("Bearer", webhook.path("http_config").path("authorization").path("type").asText());
        assertFalse(webhook.path("http_config").path("authorization").path("credentials_file").asText().isEmpty(),
                "the token must come from a file (authorization.credentials_file)");
        // Every alert a remediator policy can act on is routed to it.
        String matcher = am.path("route").path("routes").path(0).path("matchers").path(0).asText();
        for (String alert : List.of("GoroutineLeak", "GoroutineLeakByCreator", "GoSchedulingLatencySLO",
                "GoProcessorsIdle", "GoProcessorsSaturated")) {
            assertTrue(matcher.contains(alert), alert + " is not routed to the remediator: " + matcher);
        }
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndRunbook() throws Exception {
        Set<String> anchors = DocsLinksTest.anchors(Repo.root().resolve("docs/runbooks.md"));
        List<String> problems = new ArrayList<>();
        for (JsonNode rule : rules()) {
            String name = rule.path("alert").asText();
            JsonNode ann = rule.path("annotations");
            if (!rule.path("labels").path("severity").asText().matches("critical|warning|info")) {
                problems.add(name + ": severity must be critical, warning or info");
            }
            for (String key : List.of("summary", "description")) {
                if (ann.path(key).asText().isBlank()) {
                    problems.add(name + ": no " + key);
                }
            }
            if (!ann.path("description").asText().contains("{{")) {
                problems.add(name + ": the description shows no value or label");
            }
            String runbook = ann.path("runbook_url").asText();
            if (!runbook.startsWith("docs/runbooks.md#") || !anchors.contains(runbook.substring("docs/runbooks.md#".length()))) {
                problems.add(name + ": runbook_url '" + runbook + "' is not a heading in docs/runbooks.md");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** promtool passes an alert_rule_test for an alert that never fires, so demand both outcomes. */
    @Test
    void everyAlertIsTestedFiringAndNotFiring() throws Exception {
        Set<String> firing = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (String file : files(ALERTS.resolve("tests"), ".yml")) {
            for (JsonNode test : YAML.readTree(ALERTS.resolve("tests").resolve(file).toFile()).path("tests")) {
                for (JsonNode check : test.path("alert_rule_test")) {
                    (check.path("exp_alerts").isEmpty() ? silent : firing).add(check.path("alertname").asText());
                }
            }
        }
        Set<String> alerts = new TreeSet<>();
        rules().forEach(r -> alerts.add(r.path("alert").asText()));
        assertFalse(alerts.isEmpty(), "no alerting rules found in " + ALERTS);
        Set<String> notFiring = new TreeSet<>(alerts);
        notFiring.removeAll(firing);
        Set<String> notSilent = new TreeSet<>(alerts);
        notSilent.removeAll(silent);
        assertTrue(notFiring.isEmpty(), "never tested firing: " + notFiring);
        assertTrue(notSilent.isEmpty(), "never tested not firing: " + notSilent);
    }

    /** Every alerting rule of every group in alerts/*.rules.yml. */
    private static List<JsonNode> rules() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String file : files(ALERTS, ".rules.yml")) {
            for (JsonNode group : YAML.readTree(ALERTS.resolve(file).toFile()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (rule.has("alert")) {
                        out.add(rule);
                    }
                }
            }
        }
        return out;
    }

    private static List<String> files(Path dir, String suffix) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
            assertFalse(names.isEmpty(), "no *" + suffix + " files in " + dir);
            return names;
        }
    }
}
