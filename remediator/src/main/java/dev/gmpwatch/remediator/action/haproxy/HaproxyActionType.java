package dev.gmpwatch.remediator.action.haproxy;

import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.action.LegacyState;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.config.tree.ConfigNode;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.policy.Template;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code type: haproxy}: a circuit breaker that takes one server of a HAProxy backend out of
 * rotation. The top-level {@code haproxy:} section names the runtime APIs.
 */
public final class HaproxyActionType implements ActionType {
    @Override
    public String name() {
        return "haproxy";
    }

    /** Schema 3's circuits row: the server's three columns. */
    @Override
    public Optional<LegacyState> legacyState() {
        return Optional.of((key, row) -> {
            Target t = new HaproxyAction.Server(LegacyState.text(row, "haproxy"), LegacyState.text(row, "backend"),
                    LegacyState.text(row, "server")).target();
            return new LegacyState.Migrated(t.group(), t.data(), null);
        });
    }

    @Override
    public Optional<String> section() {
        return Optional.of("haproxy");
    }

    @Override
    public Factory load(ConfigNode section) throws ConfigException {
        Map<String, HaproxyEndpoint> endpoints = endpoints(section);
        return (action, caps) -> create(action, caps, endpoints);
    }

    private static HaproxyAction create(ConfigNode a, ConfigNode caps, Map<String, HaproxyEndpoint> endpoints)
            throws ConfigException {
        a.onlyKeys(Set.of("type", "haproxy", "backend", "server", "state"));
        caps.onlyKeys(Set.of("maxOpenPerBackend", "maxOpenFraction"));
        String instance = a.text("haproxy", "");
        if (!endpoints.containsKey(instance)) {
            throw a.error("haproxy", "'" + instance + "' is not defined under haproxy:");
        }
        String state = a.oneOf("state", "maint", Set.of("maint", "drain"), "must be maint or drain");
        return new HaproxyAction(new HaproxyAction.Settings(instance, template(a, "backend"), template(a, "server"), state,
                caps.positiveInt("maxOpenPerBackend", 1), caps.fraction("maxOpenFraction", 0.5)), endpoints);
    }

    private static Template template(ConfigNode a, String field) throws ConfigException {
        try {
            return Template.parse(a.required(field));
        } catch (IllegalArgumentException e) {
            throw a.error(field, e.getMessage());
        }
    }

    private static Map<String, HaproxyEndpoint> endpoints(ConfigNode h) throws ConfigException {
        Map<String, HaproxyEndpoint> out = new LinkedHashMap<>();
        if (h.missing()) {
            return out;
        }
        h.requireMapping("must map names to runtime API endpoints");
        for (Map.Entry<String, ConfigNode> e : h.entries().entrySet()) {
            ConfigNode n = e.getValue().onlyKeys(Set.of("socket", "address", "timeout"));
            Duration timeout = n.duration("timeout", "2s");
            if (n.has("socket")) {
                out.put(e.getKey(), new HaproxyEndpoint(e.getKey(), Optional.of(n.path("socket")), Optional.empty(), 0, timeout));
            } else if (n.has("address")) {
                String addr = n.text("address", "");
                int c = addr.lastIndexOf(':');
                try {
                    out.put(e.getKey(), new HaproxyEndpoint(e.getKey(), Optional.empty(), Optional.of(addr.substring(0, c)),
                            Integer.parseInt(addr.substring(c + 1)), timeout));
                } catch (RuntimeException ex) {
                    throw n.error("address", "'" + addr + "' is not host:port");
                }
            } else {
                throw n.error(null, "needs socket or address");
            }
        }
        return out;
    }
}
