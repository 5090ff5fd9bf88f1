package dev.gmpwatch.remediator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.core.Alert;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Parses the Alertmanager webhook payload (version 4); unknown fields are ignored. */
public final class PayloadParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{1,64}");
    private static final int MAX_ALERTS = 1000;

    private PayloadParser() {
    }

    /** @throws BadPayloadException with a one-line reason for the 400 */
    public static List<Alert> parse(byte[] body) throws BadPayloadException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadPayloadException("body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadPayloadException("body must be a JSON object");
        }
        if (!"4".equals(root.path("version").asText(null))) {
            throw new BadPayloadException("unsupported payload version '" + root.path("version").asText("") + "', expected \"4\"");
        }
        JsonNode alerts = root.path("alerts");
        if (!alerts.isArray()) {
            throw new BadPayloadException("alerts must be an array");
        }
        if (alerts.size() > MAX_ALERTS) {
            throw new BadPayloadException("more than " + MAX_ALERTS + " alerts");
        }
        List<Alert> out = new ArrayList<>();
        for (int i = 0; i < alerts.size(); i++) {
            JsonNode a = alerts.get(i);
            String status = a.path("status").asText("");
            if (!status.equals("firing") && !status.equals("resolved")) {
                throw new BadPayloadException("alerts[" + i + "].status must be firing or resolved");
            }
            String fp = a.path("fingerprint").asText("");
            if (!FINGERPRINT.matcher(fp).matches()) {
                throw new BadPayloadException("alerts[" + i + "].fingerprint must be hex");
            }
            String startsAt = a.path("startsAt").asText("");
            if (startsAt.isEmpty() || startsAt.length() > 64) {
                throw new BadPayloadException("alerts[" + i + "].startsAt is required");
            }
            JsonNode labels = a.path("labels");
            if (!labels.isObject()) {
                throw new BadPayloadException("alerts[" + i + "].labels must be an object");
            }
            Map<String, String> l = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new BadPayloadException("alerts[" + i + "].labels." + e.getKey() + " must be a string");
                }
                l.put(e.getKey(), e.getValue().asText());
            }
            out.add(new Alert(status, Map.copyOf(l), startsAt, fp.toLowerCase()));
        }
        return out;
    }

    public static String labelsJson(Map<String, String> labels) {
        try {
            return JSON.writeValueAsString(new java.util.TreeMap<>(labels));
        } catch (IOException e) {
            return "{}";
        }
    }
}
