package dev.gmpwatch.remediator.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gmpwatch.remediator.config.RemediatorConfig.ActionConfig;
import dev.gmpwatch.remediator.config.RemediatorConfig.Auth;
import dev.gmpwatch.remediator.config.RemediatorConfig.HaproxyEndpoint;
import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.policy.Template;
import dev.gmpwatch.remediator.policy.UrlTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads and validates the YAML configuration; every error names its key. */
public final class ConfigLoader {
    private static final Set<String> TOP = Set.of("listen", "auth", "store", "dryRun", "maxBodyBytes", "haproxy", "policies");
    private static final Set<String> POLICY = Set.of("name", "match", "matchRe", "action", "restoreAfter", "minOpen",
            "flapGuard", "rateLimit", "caps");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern RATE = Pattern.compile("^(\\d+)/(\\d+(?:ms|s|m|h))$");

    private final Path baseDir;

    private ConfigLoader(Path baseDir) {
        this.baseDir = baseDir;
    }

    public static RemediatorConfig load(Path file) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read: " + e.getMessage().lines().findFirst().orElse(""));
        }
        Path dir = file.toAbsolutePath().getParent();
        return new ConfigLoader(dir).parse(root);
    }

    public static RemediatorConfig parse(String yaml, Path baseDir) throws ConfigException {
        try {
            return new ConfigLoader(baseDir).parse(new ObjectMapper(new YAMLFactory()).readTree(yaml));
        } catch (IOException e) {
            throw new ConfigException("(file)", "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private RemediatorConfig parse(JsonNode root) throws ConfigException {
        if (root == null || !root.isObject()) {
            throw new ConfigException("(file)", "must be a YAML mapping");
        }
        onlyKeys(root, "", TOP);
        String listen = text(root, "listen", "127.0.0.1:9095");
        int colon = listen.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new ConfigException("listen", "'" + listen + "' is not host:port");
        }
        if (colon < 0 || port < 0 || port > 65535) {
            throw new ConfigException("listen", "'" + listen + "' is not host:port");
        }
        String host = colon == 0 ? "0.0.0.0" : listen.substring(0, colon);
        long maxBody = root.has("maxBodyBytes") ? positiveLong(root.get("maxBodyBytes"), "maxBodyBytes") : 1 << 20;
        Map<String, HaproxyEndpoint> haproxy = haproxy(root.path("haproxy"));
        List<PolicyConfig> policies = new ArrayList<>();
        JsonNode ps = root.path("policies");
        if (!ps.isArray() || ps.isEmpty()) {
            throw new ConfigException("policies", "at least one policy is required");
        }
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < ps.size(); i++) {
            PolicyConfig p = policy(ps.get(i), "policies[" + i + "]", haproxy);
            if (!names.add(p.name())) {
                throw new ConfigException("policies[" + i + "].name", "'" + p.name() + "' is used twice");
            }
            policies.add(p);
        }
        return new RemediatorConfig(host, port, auth(root.path("auth")), storeUrl(root.path("store")),
                root.path("dryRun").asBoolean(false), maxBody, haproxy, List.copyOf(policies));
    }

    private Auth auth(JsonNode a) throws ConfigException {
        if (a.isMissingNode() || a.isNull()) {
            return new Auth(Optional.empty(), Optional.empty(), Optional.empty());
        }
        onlyKeys(a, "auth.", Set.of("bearerTokenFile", "basicAuth"));
        if (a.has("bearerTokenFile")) {
            return new Auth(Optional.of(secret(a.get("bearerTokenFile"), "auth.bearerTokenFile")), Optional.empty(), Optional.empty());
        }
        if (a.has("basicAuth")) {
            JsonNode b = a.get("basicAuth");
            onlyKeys(b, "auth.basicAuth.", Set.of("username", "passwordFile"));
            String user = text(b, "username", null);
            if (user == null || user.isEmpty() || user.contains(":")) {
                throw new ConfigException("auth.basicAuth.username", "required, without ':'");
            }
            return new Auth(Optional.empty(), Optional.of(user), Optional.of(secret(b.get("passwordFile"), "auth.basicAuth.passwordFile")));
        }
        return new Auth(Optional.empty(), Optional.empty(), Optional.empty());
    }

    private String secret(JsonNode node, String key) throws ConfigException {
        if (node == null || !node.isTextual()) {
            throw new ConfigException(key, "a file path is required");
        }
        Path p = baseDir.resolve(node.asText());
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw new ConfigException(key, p + " is empty");
            }
            return s;
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + p);
        }
    }

    private String storeUrl(JsonNode s) throws ConfigException {
        if (s.isMissingNode() || s.isNull()) {
            return "jdbc:sqlite:gmpwatch-remediator.db";
        }
        onlyKeys(s, "store.", Set.of("url"));
        String url = text(s, "url", "jdbc:sqlite:gmpwatch-remediator.db");
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("store.url", "must be jdbc:sqlite:FILE or jdbc:postgresql://...");
        }
        return url;
    }

    private Map<String, HaproxyEndpoint> haproxy(JsonNode h) throws ConfigException {
        Map<String, HaproxyEndpoint> out = new LinkedHashMap<>();
        if (h.isMissingNode()) {
            return out;
        }
        if (!h.isObject()) {
            throw new ConfigException("haproxy", "must map names to runtime API endpoints");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = "haproxy." + e.getKey();
            onlyKeys(e.getValue(), key + ".", Set.of("socket", "address", "timeout"));
            Duration timeout = Durations.parse(key + ".timeout", text(e.getValue(), "timeout", "2s"));
            if (e.getValue().has("socket")) {
                out.put(e.getKey(), new HaproxyEndpoint(e.getKey(), Optional.of(baseDir.resolve(text(e.getValue(), "socket", ""))),
                        Optional.empty(), 0, timeout));
            } else if (e.getValue().has("address")) {
                String addr = text(e.getValue(), "address", "");
                int c = addr.lastIndexOf(':');
                try {
                    out.put(e.getKey(), new HaproxyEndpoint(e.getKey(), Optional.empty(), Optional.of(addr.substring(0, c)),
                            Integer.parseInt(addr.substring(c + 1)), timeout));
                } catch (RuntimeException ex) {
                    throw new ConfigException(key + ".address", "'" + addr + "' is not host:port");
                }
            } else {
                throw new ConfigException(key, "needs socket or address");
            }
        }
        return out;
    }

    private PolicyConfig policy(JsonNode p, String key, Map<String, HaproxyEndpoint> haproxy) throws ConfigException {
        onlyKeys(p, key + ".", POLICY);
        String name = text(p, "name", null);
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException(key + ".name", "required, [A-Za-z0-9._-]{1,64}");
        }
        Map<String, String> eq = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.path("match").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            eq.put(e.getKey(), e.getValue().asText());
        }
        Map<String, Pattern> re = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.path("matchRe").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                re.put(e.getKey(), Pattern.compile(e.getValue().asText()));
            } catch (PatternSyntaxException ex) {
                throw new ConfigException(key + ".matchRe." + e.getKey(), "invalid regex: " + ex.getDescription());
            }
        }
        if (eq.isEmpty() && re.isEmpty()) {
            throw new ConfigException(key + ".match", "a policy must match on at least one label");
        }
        ActionConfig action = action(p.path("action"), key + ".action", haproxy);
        JsonNode flap = p.path("flapGuard");
        onlyKeys(flap, key + ".flapGuard.", Set.of("maxCycles", "within"));
        JsonNode rate = p.path("rateLimit");
        onlyKeys(rate, key + ".rateLimit.", Set.of("perTarget", "perPolicy"));
        JsonNode caps = p.path("caps");
        onlyKeys(caps, key + ".caps.", Set.of("maxOpenPerBackend", "maxOpenFraction"));
        String[] perTarget = rate(rate, "perTarget", key + ".rateLimit.perTarget", "1/1m");
        String[] perPolicy = rate(rate, "perPolicy", key + ".rateLimit.perPolicy", "10/1m");
        double fraction = caps.path("maxOpenFraction").asDouble(0.5);
        if (fraction <= 0 || fraction > 1) {
            throw new ConfigException(key + ".caps.maxOpenFraction", "must be in (0, 1]");
        }
        return new PolicyConfig(name, eq, re, action,
                Durations.parse(key + ".restoreAfter", text(p, "restoreAfter", "5m")),
                Durations.parse(key + ".minOpen", text(p, "minOpen", "1m")),
                positiveInt(flap.path("maxCycles"), key + ".flapGuard.maxCycles", 3),
                Durations.parse(key + ".flapGuard.within", text(flap, "within", "1h")),
                Integer.parseInt(perTarget[0]), Durations.parse(key + ".rateLimit.perTarget", perTarget[1]),
                Integer.parseInt(perPolicy[0]), Durations.parse(key + ".rateLimit.perPolicy", perPolicy[1]),
                positiveInt(caps.path("maxOpenPerBackend"), key + ".caps.maxOpenPerBackend", 1), fraction);
    }

    private ActionConfig action(JsonNode a, String key, Map<String, HaproxyEndpoint> haproxy) throws ConfigException {
        if (!a.isObject()) {
            throw new ConfigException(key, "required");
        }
        String type = text(a, "type", "");
        if (type.equals("http")) {
            return httpAction(a, key);
        }
        if (type.equals("gomaxprocs")) {
            return gomaxprocsAction(a, key);
        }
        onlyKeys(a, key + ".", Set.of("type", "haproxy", "backend", "server", "state"));
        if (!type.equals("haproxy")) {
            throw new ConfigException(key + ".type", "'" + type + "' is not a known action (haproxy, http, gomaxprocs)");
        }
        String instance = text(a, "haproxy", "");
        if (!haproxy.containsKey(instance)) {
            throw new ConfigException(key + ".haproxy", "'" + instance + "' is not defined under haproxy:");
        }
        String state = text(a, "state", "maint");
        if (!state.equals("maint") && !state.equals("drain")) {
            throw new ConfigException(key + ".state", "must be maint or drain");
        }
        String backend = text(a, "backend", null);
        String server = text(a, "server", null);
        for (String[] t : new String[][] {{"backend", backend}, {"server", server}}) {
            if (t[1] == null) {
                throw new ConfigException(key + "." + t[0], "required");
            }
            try {
                Template.parse(t[1]);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + "." + t[0], e.getMessage());
            }
        }
        return new ActionConfig(type, instance, backend, server, state, null, null, null, null, 0, null);
    }

    private ActionConfig gomaxprocsAction(JsonNode a, String key) throws ConfigException {
        onlyKeys(a, key + ".", Set.of("type", "direction", "actuator", "addressLabel", "allowedAddresses", "path", "tokenFile",
                "min", "max", "minInterval", "flipGuard"));
        String actuator = text(a, "actuator", "http");
        if (!actuator.equals("http") && !actuator.equals("cgroup")) {
            throw new ConfigException(key + ".actuator", "must be http or cgroup");
        }
        String direction = text(a, "direction", "");
        if (!direction.equals("down") && !direction.equals("up")) {
            throw new ConfigException(key + ".direction", "must be down or up");
        }
        String addressLabel = text(a, "addressLabel", "admin_address");
        Pattern allowed;
        try {
            allowed = Pattern.compile(text(a, "allowedAddresses", "127\\.0\\.0\\.1:[0-9]{1,5}"));
        } catch (PatternSyntaxException e) {
            throw new ConfigException(key + ".allowedAddresses", "invalid regex: " + e.getDescription());
        }
        String path = text(a, "path", "/debug/gomaxprocs");
        if (!path.matches("(/[A-Za-z0-9._-]+)+")) {
            throw new ConfigException(key + ".path", "must be a plain absolute path");
        }
        Optional<String> token = a.has("tokenFile") ? Optional.of(secret(a.get("tokenFile"), key + ".tokenFile")) : Optional.empty();
        int min = a.has("min") ? positiveInt(a.get("min"), key + ".min", 1) : 0;
        int max = a.has("max") ? positiveInt(a.get("max"), key + ".max", 1) : 0;
        if (min > 0 && max > 0 && min > max) {
            throw new ConfigException(key + ".min", "is above max");
        }
        JsonNode flip = a.path("flipGuard");
        onlyKeys(flip, key + ".flipGuard.", Set.of("maxFlips", "within"));
        return new ActionConfig("gomaxprocs", "", "", "", "", null, null, null, Duration.ofSeconds(5), 0,
                new RemediatorConfig.Gomaxprocs(direction, actuator, addressLabel, allowed, path, token, min, max,
                        Durations.parse(key + ".minInterval", text(a, "minInterval", "30s")),
                        positiveInt(flip.path("maxFlips"), key + ".flipGuard.maxFlips", 3),
                        Durations.parse(key + ".flipGuard.within", text(flip, "within", "10m"))));
    }

    private static ActionConfig httpAction(JsonNode a, String key) throws ConfigException {
        onlyKeys(a, key + ".", Set.of("type", "method", "openUrl", "closeUrl", "timeout", "retries"));
        String method = text(a, "method", "POST");
        if (!Set.of("POST", "PUT", "DELETE").contains(method)) {
            throw new ConfigException(key + ".method", "must be POST, PUT or DELETE");
        }
        String open = text(a, "openUrl", null);
        String close = text(a, "closeUrl", null);
        for (String[] u : new String[][] {{"openUrl", open}, {"closeUrl", close}}) {
            if (u[1] == null) {
                throw new ConfigException(key + "." + u[0], "required");
            }
            try {
                UrlTemplate.parse(u[1]);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + "." + u[0], e.getMessage());
            }
        }
        int retries = positiveInt(a.path("retries"), key + ".retries", 3);
        return new ActionConfig("http", "", "", "", "", method, open, close,
                Durations.parse(key + ".timeout", text(a, "timeout", "5s")), retries, null);
    }

    private static String[] rate(JsonNode node, String field, String key, String fallback) throws ConfigException {
        String v = text(node, field, fallback);
        java.util.regex.Matcher m = RATE.matcher(v);
        if (!m.matches() || Integer.parseInt(m.group(1)) <= 0) {
            throw new ConfigException(key, "'" + v + "' is not a rate like 1/1m");
        }
        return new String[] {m.group(1), m.group(2)};
    }

    private static void onlyKeys(JsonNode node, String prefix, Set<String> allowed) throws ConfigException {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new ConfigException(prefix.isEmpty() ? "(file)" : prefix.substring(0, prefix.length() - 1), "must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new ConfigException(prefix + k, "unknown key");
            }
        }
    }

    private static String text(JsonNode n, String field, String fallback) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    private static long positiveLong(JsonNode n, String key) throws ConfigException {
        if (!n.canConvertToLong() || n.asLong() <= 0) {
            throw new ConfigException(key, "must be a positive integer");
        }
        return n.asLong();
    }

    private static int positiveInt(JsonNode n, String key, int fallback) throws ConfigException {
        if (n.isMissingNode()) {
            return fallback;
        }
        if (!n.canConvertToInt() || n.asInt() <= 0) {
            throw new ConfigException(key, "must be a positive integer");
        }
        return n.asInt();
    }
}
