package dev.gmpwatch.remediator.action;

import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.config.tree.ConfigNode;
import java.util.Optional;

/** A kind of lever, registered by name in {@code config.ActionTypes}: what {@code action.type} selects. */
public interface ActionType {
    /** The name policies use in {@code action.type}. */
    String name();

    /** A top-level configuration section this type owns (like {@code haproxy:}), if any. */
    default Optional<String> section() {
        return Optional.empty();
    }

    /** How the type's targets of schema 3, kept in columns, become its data; empty for types newer than that. */
    default Optional<LegacyState> legacyState() {
        return Optional.empty();
    }

    /**
     * Reads the type's top-level section (a missing node when absent, or when the type has none)
     * once per configuration, and returns what builds the type's actions policy by policy.
     */
    Factory load(ConfigNode section) throws ConfigException;

    /** Builds one policy's action from its {@code action:} and {@code caps:} mappings; validates both. */
    interface Factory {
        Action create(ConfigNode action, ConfigNode caps) throws ConfigException;
    }
}
