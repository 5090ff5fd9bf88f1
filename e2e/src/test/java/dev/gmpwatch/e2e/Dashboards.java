package dev.gmpwatch.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The dashboards in grafana/dashboards and every PromQL query in them. */
final class Dashboards {
    static final Path DIR = Repo.root().resolve("grafana/dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VARIABLE = Pattern.compile("\"\\$([a-z_]+)\"");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*([a-zA-Z_]+)\\)");

    /** A query, where it comes from (for messages), and the "All" value of each of its dashboard's variables. */
    record Query(String where, String expr, Map<String, String> allValues) {
    }

    private Dashboards() {
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** Panel targets, template variables (label_values' series selector) and annotations. */
    static List<Query> queries(Path file) throws IOException {
        JsonNode d = read(file);
        String name = file.getFileName().toString();
        Map<String, String> all = new HashMap<>();
        for (JsonNode variable : d.path("templating").path("list")) {
            all.put(variable.path("name").asText(), variable.path("allValue").asText(".+"));
        }
        List<Query> out = new ArrayList<>();
        for (JsonNode panel : d.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(new Query(name + " panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
                        target.path("expr").asText(), all));
            }
        }
        for (JsonNode variable : d.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
                if (!m.matches()) {
                    throw new IllegalStateException(name + " variable " + variable.path("name") + " is not label_values(...)");
                }
                out.add(new Query(name + " variable $" + variable.path("name").asText(), m.group(1), all));
            }
        }
        for (JsonNode annotation : d.path("annotations").path("list")) {
            if (annotation.has("expr")) {
                out.add(new Query(name + " annotation '" + annotation.path("name").asText() + "'", annotation.path("expr").asText(), all));
            }
        }
        return out;
    }

    /**
     * The query as Prometheus gets it with every variable set to "All" (its allValue: ".*" where
     * series may lack the label, as namespace and pod do outside Kubernetes) and the given rate interval.
     */
    static String concrete(Query q, String rateInterval) {
        Matcher m = VARIABLE.matcher(q.expr());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement("\"" + q.allValues().getOrDefault(m.group(1), ".+") + "\""));
        }
        m.appendTail(sb);
        return sb.toString().replace("$__rate_interval", rateInterval);
    }
}
