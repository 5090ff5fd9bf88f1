package dev.gmpwatch.remediator.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.config.RemediatorConfig.Auth;
import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.config.RemediatorConfig.Rate;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.config.tree.ConfigNode;
import dev.gmpwatch.remediator.config.tree.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the YAML configuration; every error names its key. The engine's keys are
 * read here; each policy's {@code action:} and {@code caps:}, and any top-level section an action
 * type owns, are read by the type registered under {@code action.type}.
 */
public final class ConfigLoader {
    private static final Set<String> TOP = Set.of("listen", "auth", "store", "dryRun", "maxBodyBytes", "policies");
    private static final Set<String> POLICY = Set.of("name", "match", "matchRe", "action", "restoreAfter", "minOpen",
            "flapGuard", "rateLimit", "caps");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern RATE = Pattern.compile("^(\\d+)/(\\d+(?:ms|s|m|h))$");

    private final Path baseDir;
    private final ActionTypes types;

    private ConfigLoader(Path baseDir, ActionTypes types) {
        this.baseDir = baseDir;
        this.types = types;
    }

    public static RemediatorConfig load(Path file) throws ConfigException {
        return load(file, ActionTypes.standard());
    }

    public static RemediatorConfig load(Path file, ActionTypes types) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return new ConfigLoader(file.toAbsolutePath().getParent(), types).parse(root);
    }

    public static RemediatorConfig parse(String yaml, Path baseDir) throws ConfigException {
        return parse(yaml, baseDir, ActionTypes.standard());
    }

    public static RemediatorConfig parse(String yaml, Path baseDir, ActionTypes types) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException("(file)", "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return new ConfigLoader(baseDir, types).parse(root);
    }

    private RemediatorConfig parse(JsonNode json) throws ConfigException {
        if (json == null || !json.isObject()) {
            throw new ConfigException("(file)", "must be a YAML mapping");
        }
        ConfigNode root = new ConfigNode(json, "", baseDir);
        Set<String> top = new HashSet<>(TOP);
        types.all().forEach(t -> t.section().ifPresent(top::add));
        root.onlyKeys(top);
        String listen = root.text("listen", "127.0.0.1:9095");
        int colon = listen.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw root.error("listen", "'" + listen + "' is not host:port");
        }
        if (colon < 0 || port < 0 || port > 65535) {
            throw root.error("listen", "'" + listen + "' is not host:port");
        }
        String host = colon == 0 ? "0.0.0.0" : listen.substring(0, colon);
        long maxBody = root.positiveLong("maxBodyBytes", 1 << 20);
        Map<String, ActionType.Factory> factories = new HashMap<>();
        for (ActionType t : types.all()) { // every section is checked, used or not
            factories.put(t.name(), t.load(t.section().isPresent() ? root.child(t.section().get()) : ConfigNode.absent(baseDir)));
        }
        JsonNode ps = json.path("policies");
        if (!ps.isArray() || ps.isEmpty()) {
            throw root.error("policies", "at least one policy is required");
        }
        List<PolicyConfig> policies = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ps.size(); i++) {
            PolicyConfig p = policy(new ConfigNode(ps.get(i), "policies[" + i + "]", baseDir), factories);
            if (!names.add(p.name())) {
                throw new ConfigException("policies[" + i + "].name", "'" + p.name() + "' is used twice");
            }
            policies.add(p);
        }
        return new RemediatorConfig(host, port, auth(root.child("auth")), storeUrl(root.child("store")),
                root.bool("dryRun", false), maxBody, List.copyOf(policies));
    }

    private static Auth auth(ConfigNode a) throws ConfigException {
        a.onlyKeys(Set.of("bearerTokenFile", "basicAuth"));
        if (a.has("bearerTokenFile")) {
            return new Auth(Optional.of(a.secret("bearerTokenFile")), Optional.empty(), Optional.empty());
        }
        if (a.has("basicAuth")) {
            ConfigNode b = a.child("basicAuth").onlyKeys(Set.of("username", "passwordFile"));
            String user = b.text("username", null);
            if (user == null || user.isEmpty() || user.contains(":")) {
                throw b.error("username", "required, without ':'");
            }
            return new Auth(Optional.empty(), Optional.of(user), Optional.of(b.secret("passwordFile")));
        }
        return new Auth(Optional.empty(), Optional.empty(), Optional.empty());
    }

    private static String storeUrl(ConfigNode s) throws ConfigException {
        s.onlyKeys(Set.of("url"));
        String url = s.text("url", "jdbc:sqlite:gmpwatch-remediator.db");
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw s.error("url", "must be jdbc:sqlite:FILE or jdbc:postgresql://...");
        }
        return url;
    }

    private PolicyConfig policy(ConfigNode p, Map<String, ActionType.Factory> factories) throws ConfigException {
        p.onlyKeys(POLICY);
        String name = p.text("name", null);
        if (name == null || !NAME.matcher(name).matches()) {
            throw p.error("name", "required, [A-Za-z0-9._-]{1,64}");
        }
        Map<String, String> eq = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> e : p.child("match").entries().entrySet()) {
            eq.put(e.getKey(), e.getValue().json().asText());
        }
        Map<String, Pattern> re = new LinkedHashMap<>();
        ConfigNode matchRe = p.child("matchRe");
        for (String label : matchRe.entries().keySet()) {
            re.put(label, matchRe.pattern(label, ""));
        }
        if (eq.isEmpty() && re.isEmpty()) {
            throw p.error("match", "a policy must match on at least one label");
        }
        ConfigNode a = p.child("action");
        if (a.missing() || !a.json().isObject()) {
            throw a.error(null, "required");
        }
        String type = a.text("type", "");
        ActionType.Factory factory = factories.get(type);
        if (factory == null) {
            throw a.error("type", "'" + type + "' is not a known action (" + types.names() + ")");
        }
        Action action = factory.create(a, p.child("caps"));
        ConfigNode flap = p.child("flapGuard").onlyKeys(Set.of("maxCycles", "within"));
        ConfigNode rate = p.child("rateLimit").onlyKeys(Set.of("perTarget", "perPolicy"));
        return new PolicyConfig(name, eq, re, action, p.duration("restoreAfter", "5m"), p.duration("minOpen", "1m"),
                flap.positiveInt("maxCycles", 3), flap.duration("within", "1h"),
                rate(rate, "perTarget", "1/1m"), rate(rate, "perPolicy", "10/1m"));
    }

    private static Rate rate(ConfigNode node, String field, String fallback) throws ConfigException {
        String v = node.text(field, fallback);
        Matcher m = RATE.matcher(v);
        if (!m.matches() || Integer.parseInt(m.group(1)) <= 0) {
            throw node.error(field, "'" + v + "' is not a rate like 1/1m");
        }
        return new Rate(Integer.parseInt(m.group(1)), Durations.parse(node.key() + "." + field, m.group(2)));
    }
}
