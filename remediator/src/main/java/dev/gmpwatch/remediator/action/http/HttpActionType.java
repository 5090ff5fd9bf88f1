package dev.gmpwatch.remediator.action.http;

import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.action.LegacyState;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.config.tree.ConfigNode;
import dev.gmpwatch.remediator.policy.UrlTemplate;
import java.util.Optional;
import java.util.Set;

/** {@code type: http}: a breaker a gateway or service exposes as an open URL and a close URL. */
public final class HttpActionType implements ActionType {
    private final HttpCaller caller = new HttpCaller(); // one breaker and retry per destination, shared by policies

    @Override
    public String name() {
        return "http";
    }

    /** Schema 3's circuits row: the method and the two URLs. */
    @Override
    public Optional<LegacyState> legacyState() {
        return Optional.of((key, row) -> new LegacyState.Migrated(null, new HttpAction.Breaker(LegacyState.text(row, "method"),
                LegacyState.text(row, "open_url"), LegacyState.text(row, "close_url")).target().data(), null));
    }

    @Override
    public Factory load(ConfigNode section) {
        return this::create;
    }

    private HttpAction create(ConfigNode a, ConfigNode caps) throws ConfigException {
        a.onlyKeys(Set.of("type", "method", "openUrl", "closeUrl", "timeout", "retries"));
        caps.onlyKeys(Set.of());
        String method = a.oneOf("method", "POST", Set.of("POST", "PUT", "DELETE"), "must be POST, PUT or DELETE");
        return new HttpAction(new HttpAction.Settings(method, url(a, "openUrl"), url(a, "closeUrl"),
                a.duration("timeout", "5s"), a.positiveInt("retries", 3)), caller);
    }

    private static UrlTemplate url(ConfigNode a, String field) throws ConfigException {
        try {
            return UrlTemplate.parse(a.required(field));
        } catch (IllegalArgumentException e) {
            throw a.error(field, e.getMessage());
        }
    }
}
