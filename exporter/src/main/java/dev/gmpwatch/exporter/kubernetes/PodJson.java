package dev.gmpwatch.exporter.kubernetes;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the API server's pod lists and watch events with jackson-core's streaming parser, keeping
 * only what names a process (UIDs, names, container IDs) and skipping the rest of each object
 * unread into memory: a 110-pod list never becomes a tree, and no data-binding classes load.
 */
final class PodJson {
    private static final JsonFactory JSON = new JsonFactory();

    /** One page of a list: its pods, its resourceVersion and the continue token (empty on the last page). */
    record Page(List<PodIndex.Pod> pods, String resourceVersion, String continueToken) {
    }

    /**
     * One watch event. {@code pod} is empty for a BOOKMARK and an ERROR; {@code code} and
     * {@code message} are the Status of an ERROR.
     */
    record Event(String type, Optional<PodIndex.Pod> pod, String uid, String resourceVersion, int code, String message) {
    }

    private PodJson() {
    }

    static Page page(InputStream in) throws IOException {
        try (JsonParser p = JSON.createParser(in)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            List<PodIndex.Pod> pods = new ArrayList<>();
            String version = "";
            String cont = "";
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("items") && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        Fields f = object(p);
                        f.pod().ifPresent(pods::add);
                    }
                } else if (field.equals("metadata") && t == JsonToken.START_OBJECT) {
                    Map<String, String> meta = strings(p);
                    version = meta.getOrDefault("resourceVersion", "");
                    cont = meta.getOrDefault("continue", "");
                } else {
                    p.skipChildren();
                }
            }
            return new Page(pods, version, cont);
        }
    }

    static Event event(String line) throws IOException {
        try (JsonParser p = JSON.createParser(line)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            String type = "";
            Fields object = new Fields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("type") && t == JsonToken.VALUE_STRING) {
                    type = p.getText();
                } else if (field.equals("object") && t == JsonToken.START_OBJECT) {
                    object = object(p);
                } else {
                    p.skipChildren();
                }
            }
            Optional<PodIndex.Pod> pod = type.equals("ADDED") || type.equals("MODIFIED") || type.equals("DELETED") ? object.pod() : Optional.empty();
            return new Event(type, pod, object.uid, object.resourceVersion, object.code, object.message);
        }
    }

    /** What is kept of an object in a list or event: a Pod's fields, or a Status's code and message. */
    private static final class Fields {
        String uid = "";
        String name = "";
        String namespace = "";
        String resourceVersion = "";
        int code;
        String message = "";
        final Map<String, String> containers = new LinkedHashMap<>();

        Optional<PodIndex.Pod> pod() {
            return uid.isEmpty() ? Optional.empty() : Optional.of(new PodIndex.Pod(uid, namespace, name, Map.copyOf(containers)));
        }
    }

    /** Reads the object the parser is at (START_OBJECT) to its end. */
    private static Fields object(JsonParser p) throws IOException {
        Fields f = new Fields();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (field.equals("metadata") && t == JsonToken.START_OBJECT) {
                Map<String, String> meta = strings(p);
                f.uid = meta.getOrDefault("uid", "");
                f.name = meta.getOrDefault("name", "");
                f.namespace = meta.getOrDefault("namespace", "");
                f.resourceVersion = meta.getOrDefault("resourceVersion", "");
            } else if (field.equals("status") && t == JsonToken.START_OBJECT) {
                containerStatuses(p, f.containers);
            } else if (field.equals("code") && t == JsonToken.VALUE_NUMBER_INT) {
                f.code = p.getIntValue();
            } else if (field.equals("message") && t == JsonToken.VALUE_STRING) {
                f.message = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return f;
    }

    /** Init, app and ephemeral containers: their processes are on the node alike. */
    private static void containerStatuses(JsonParser p, Map<String, String> out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            boolean statuses = field.equals("initContainerStatuses") || field.equals("containerStatuses")
                    || field.equals("ephemeralContainerStatuses");
            if (statuses && t == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    Map<String, String> c = strings(p);
                    String id = PodIndex.bareId(c.getOrDefault("containerID", ""));
                    if (!id.isEmpty()) {
                        out.put(id, c.getOrDefault("name", ""));
                    }
                }
            } else {
                p.skipChildren();
            }
        }
    }

    /** The string fields of the object the parser is at; nested values are skipped. */
    private static Map<String, String> strings(JsonParser p) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_STRING) {
                out.put(field, p.getText());
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    private static void expect(JsonParser p, JsonToken got, JsonToken want) throws IOException {
        if (got != want) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "expected " + want + ", got " + got);
        }
    }
}
