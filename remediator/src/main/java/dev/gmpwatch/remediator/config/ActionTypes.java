package dev.gmpwatch.remediator.config;

import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.action.gomaxprocs.GomaxprocsActionType;
import dev.gmpwatch.remediator.action.haproxy.HaproxyActionType;
import dev.gmpwatch.remediator.action.http.HttpActionType;
import dev.gmpwatch.remediator.action.kubernetes.KubernetesActionType;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The registry of action types: the one place a new lever is added. */
public final class ActionTypes {
    private final Map<String, ActionType> types;

    private ActionTypes(Map<String, ActionType> types) {
        this.types = Map.copyOf(types);
    }

    /** The levers gmpwatch ships. */
    public static ActionTypes standard() {
        return new ActionTypes(Map.of()).with(new HaproxyActionType()).with(new HttpActionType()).with(new GomaxprocsActionType())
                .with(new KubernetesActionType());
    }

    /** A registry with one more type; a name used twice is a programming error. */
    public ActionTypes with(ActionType type) {
        if (types.containsKey(type.name())) {
            throw new IllegalArgumentException("action type " + type.name() + " is registered twice");
        }
        Map<String, ActionType> more = new LinkedHashMap<>(types);
        more.put(type.name(), type);
        return new ActionTypes(more);
    }

    public Optional<ActionType> find(String name) {
        return Optional.ofNullable(types.get(name));
    }

    public Collection<ActionType> all() {
        return types.values();
    }

    /** The names, sorted, for error messages. */
    public String names() {
        return String.join(", ", types.keySet().stream().sorted().toList());
    }
}
