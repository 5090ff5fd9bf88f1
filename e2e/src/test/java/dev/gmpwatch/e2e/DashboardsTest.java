package dev.gmpwatch.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gmpwatch.testkit.Repo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboards are well-formed for Grafana 10/11 (schemaVersion 39 panels with unique ids, grid
 * positions, a datasource variable and a query per target), their variables are all used in
 * regex matchers, and the provisioning files point at them. LocalStackIT runs every query.
 */
class DashboardsTest {
    private static final Set<String> PANEL_TYPES = Set.of("row", "stat", "timeseries", "table", "heatmap");

    @Test
    void dashboardsAreWellFormed() throws Exception {
        List<Path> files = Dashboards.files();
        assertTrue(files.size() >= 2, "expected the overview and the per-process dashboards in " + Dashboards.DIR);
        Set<String> uids = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            JsonNode d = Dashboards.read(file);
            String name = file.getFileName().toString();
            assertTrue(uids.add(d.path("uid").asText()), name + ": duplicate or missing uid");
            assertTrue(d.path("uid").asText().matches("[a-z0-9-]{1,40}"), name + ": uid");
            assertFalse(d.path("title").asText().isBlank(), name + ": title");
            assertEquals(39, d.path("schemaVersion").asInt(), name + ": schemaVersion");
            assertEquals("datasource", d.path("templating").path("list").path(0).path("type").asText(),
                    name + ": the first variable must pick the Prometheus datasource");
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : d.path("panels")) {
                String where = name + " panel '" + panel.path("title").asText() + "'";
                if (!ids.add(panel.path("id").asInt())) {
                    problems.add(where + ": duplicate id");
                }
                if (!PANEL_TYPES.contains(panel.path("type").asText())) {
                    problems.add(where + ": unknown type " + panel.path("type"));
                }
                JsonNode grid = panel.path("gridPos");
                if (grid.path("w").asInt() < 1 || grid.path("x").asInt() + grid.path("w").asInt() > 24 || grid.path("h").asInt() < 1) {
                    problems.add(where + ": bad gridPos " + grid);
                }
                if (panel.path("type").asText().equals("row")) {
                    continue;
                }
                if (!panel.path("datasource").path("uid").asText().equals("${datasource}")) {
                    problems.add(where + ": datasource must be ${datasource}");
                }
                if (panel.path("targets").isEmpty()) {
                    problems.add(where + ": no query");
                }
                Set<String> refIds = new HashSet<>();
                for (JsonNode target : panel.path("targets")) {
                    if (target.path("expr").asText().isBlank() || !refIds.add(target.path("refId").asText())) {
                        problems.add(where + ": empty query or duplicate refId");
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Variables appear only as whole regex matchers (label=~"$var"), which LocalStackIT sets to ".+". */
    @Test
    void variablesAreUsedAsRegexMatchers() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Path file : Dashboards.files()) {
            for (Dashboards.Query q : Dashboards.queries(file)) {
                String rest = q.expr().replaceAll("=~\"\\$[a-z_]+\"", "").replace("$__rate_interval", "");
                if (rest.contains("$")) {
                    problems.add(q.where() + ": a variable outside a =~\"$var\" matcher: " + q.expr());
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void provisioningPointsAtTheDashboards() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Path prov = Repo.root().resolve("grafana/provisioning");
        JsonNode dashboards = yaml.readTree(prov.resolve("dashboards/gmpwatch.yaml").toFile());
        assertEquals(1, dashboards.path("apiVersion").asInt());
        assertEquals("file", dashboards.path("providers").path(0).path("type").asText());
        assertFalse(dashboards.path("providers").path(0).path("options").path("path").asText().isBlank());
        JsonNode sources = yaml.readTree(prov.resolve("datasources/gmpwatch.yaml").toFile());
        assertEquals("prometheus", sources.path("datasources").path(0).path("type").asText());
    }
}
