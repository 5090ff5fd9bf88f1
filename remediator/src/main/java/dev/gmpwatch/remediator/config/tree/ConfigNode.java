package dev.gmpwatch.remediator.config.tree;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One mapping of the YAML configuration with its dotted key, so that every reader (the loader and
 * each action type) reports errors the same way: the full key and one line of reason.
 */
public final class ConfigNode {
    private final JsonNode node;
    private final String key;
    private final Path baseDir;

    /** The node {@code node} found at {@code key}; relative paths in it resolve against {@code baseDir}. */
    public ConfigNode(JsonNode node, String key, Path baseDir) {
        this.node = node;
        this.key = key;
        this.baseDir = baseDir;
    }

    /** A node that is not in the file: every field falls back to its default. */
    public static ConfigNode absent(Path baseDir) {
        return new ConfigNode(com.fasterxml.jackson.databind.node.MissingNode.getInstance(), "", baseDir);
    }

    /** The dotted key of this node, e.g. {@code policies[0].action}. */
    public String key() {
        return key;
    }

    public ConfigNode child(String field) {
        return new ConfigNode(node.path(field), key(field), baseDir);
    }

    public boolean has(String field) {
        return node.has(field) && !node.get(field).isNull();
    }

    public boolean missing() {
        return node.isMissingNode() || node.isNull();
    }

    public ConfigException error(String field, String reason) {
        return new ConfigException(field == null ? key : key(field), reason);
    }

    /** Fails on any key outside {@code allowed}; a missing node passes. */
    public ConfigNode onlyKeys(Set<String> allowed) throws ConfigException {
        if (missing()) {
            return this;
        }
        if (!node.isObject()) {
            throw new ConfigException(key.isEmpty() ? "(file)" : key, "must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new ConfigException(key(k), "unknown key");
            }
        }
        return this;
    }

    public ConfigNode requireMapping(String reason) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(key.isEmpty() ? "(file)" : key, reason);
        }
        return this;
    }

    public String text(String field, String fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    public String required(String field) throws ConfigException {
        String v = text(field, null);
        if (v == null) {
            throw error(field, "required");
        }
        return v;
    }

    /** One of the allowed values. */
    public String oneOf(String field, String fallback, Set<String> allowed, String reason) throws ConfigException {
        String v = text(field, fallback);
        if (v == null || !allowed.contains(v)) {
            throw error(field, reason);
        }
        return v;
    }

    public int positiveInt(String field, int fallback) throws ConfigException {
        JsonNode n = node.path(field);
        if (n.isMissingNode()) {
            return fallback;
        }
        if (!n.canConvertToInt() || n.asInt() <= 0) {
            throw error(field, "must be a positive integer");
        }
        return n.asInt();
    }

    public long positiveLong(String field, long fallback) throws ConfigException {
        JsonNode n = node.path(field);
        if (n.isMissingNode()) {
            return fallback;
        }
        if (!n.canConvertToLong() || n.asLong() <= 0) {
            throw error(field, "must be a positive integer");
        }
        return n.asLong();
    }

    public double fraction(String field, double fallback) throws ConfigException {
        double v = node.path(field).asDouble(fallback);
        if (v <= 0 || v > 1) {
            throw error(field, "must be in (0, 1]");
        }
        return v;
    }

    public boolean bool(String field, boolean fallback) {
        return node.path(field).asBoolean(fallback);
    }

    public Duration duration(String field, String fallback) throws ConfigException {
        return Durations.parse(key(field), text(field, fallback));
    }

    public Pattern pattern(String field, String fallback) throws ConfigException {
        try {
            return Pattern.compile(text(field, fallback));
        } catch (PatternSyntaxException e) {
            throw error(field, "invalid regex: " + e.getDescription());
        }
    }

    /** A secret read from the file the field names (relative to the config file), stripped. */
    public String secret(String field) throws ConfigException {
        JsonNode n = node.get(field);
        if (n == null || !n.isTextual()) {
            throw error(field, "a file path is required");
        }
        Path p = path(field);
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw error(field, p + " is empty");
            }
            return s;
        } catch (IOException e) {
            throw error(field, "cannot read " + p);
        }
    }

    public Optional<String> optionalSecret(String field) throws ConfigException {
        return has(field) ? Optional.of(secret(field)) : Optional.empty();
    }

    /** A path relative to the configuration file's directory. */
    public Path path(String field) {
        return baseDir.resolve(text(field, ""));
    }

    /** A list of strings, each matching {@code item}; missing gives an empty list. */
    public java.util.List<String> textList(String field, Pattern item, String itemReason) throws ConfigException {
        JsonNode n = node.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return java.util.List.of();
        }
        if (!n.isArray()) {
            throw error(field, "must be a list");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual() || !item.matcher(e.asText()).matches()) {
                throw error(field, "'" + e.asText() + "' " + itemReason);
            }
            out.add(e.asText());
        }
        return java.util.List.copyOf(out);
    }

    /** The children of a mapping, in file order. */
    public Map<String, ConfigNode> entries() {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), new ConfigNode(e.getValue(), key(e.getKey()), baseDir));
        }
        return out;
    }

    /** The raw tree, for the loader's checks that span keys. */
    public JsonNode json() {
        return node;
    }

    private String key(String field) {
        return key.isEmpty() ? field : key + "." + field;
    }
}
