package dev.gmpwatch.remediator.action;

import java.util.Map;

/**
 * Schema 3 kept an action type's targets in columns of tables of its own. The one-time move to
 * schema 4's opaque data asks the type itself what such a row becomes, so the store never knows an
 * action's field names or key formats.
 */
public interface LegacyState {
    /**
     * A target as schema 4 keeps it.
     *
     * @param actionState the action's own state as it writes it; null when it keeps none
     */
    record Migrated(String group, String data, String actionState) {
    }

    /**
     * @param key     the row's target key, which schema 4 keeps as it is
     * @param columns the row of schema 3's table for this type (circuits or gomaxprocs_targets), by
     *                lower-case column name; SQL NULL is null
     */
    Migrated migrate(String key, Map<String, Object> columns);

    /** A column as a number, or null. */
    static Long number(Map<String, Object> columns, String name) {
        Object v = columns.get(name);
        return v == null ? null : ((Number) v).longValue();
    }

    /** A column as text, or null. */
    static String text(Map<String, Object> columns, String name) {
        Object v = columns.get(name);
        return v == null ? null : v.toString();
    }
}
