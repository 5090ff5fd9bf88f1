package dev.gmpwatch.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Kubernetes manifests applied for real: server-side apply, with each kind's resource found
 * through the API server's discovery (so CRDs work once they are established).
 */
public final class Manifests {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private Manifests() {
    }

    /** Every document of a multi-document YAML file, empty ones dropped. */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && d.isObject() && !d.isEmpty()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    /** The documents of {@code file} whose kind passes {@code kinds}. */
    public static List<JsonNode> read(Path file, Predicate<String> kinds) throws IOException {
        return read(file).stream().filter(d -> kinds.test(d.path("kind").asText())).toList();
    }

    /**
     * Server-side applies one object (dryRun=All when asked: the server validates and admits it
     * but stores nothing) and returns the API server's answer.
     */
    public static KubeCluster.Response apply(KubeCluster cluster, JsonNode object, boolean dryRun) throws Exception {
        String path = path(cluster, object) + "?fieldManager=gmpwatch-tests&force=true" + (dryRun ? "&dryRun=All" : "");
        return cluster.request("PATCH", path, JSON.writeValueAsString(object), "application/apply-patch+yaml", cluster.adminToken());
    }

    /** The object's URL path, from discovery: /api/v1/namespaces/NS/PLURAL/NAME or /apis/G/V/.... */
    public static String path(KubeCluster cluster, JsonNode object) throws Exception {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        String prefix = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        JsonNode resources = cluster.call("GET", prefix, null).path("resources");
        for (JsonNode r : resources) {
            if (r.path("kind").asText().equals(kind) && !r.path("name").asText().contains("/")) {
                String name = URLEncoder.encode(object.path("metadata").path("name").asText(), StandardCharsets.UTF_8);
                if (!r.path("namespaced").asBoolean()) {
                    return prefix + "/" + r.path("name").asText() + "/" + name;
                }
                String ns = object.path("metadata").path("namespace").asText("default");
                return prefix + "/namespaces/" + ns + "/" + r.path("name").asText() + "/" + name;
            }
        }
        throw new AssertionError("the API server serves no kind " + kind + " in " + apiVersion);
    }
}
