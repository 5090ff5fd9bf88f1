package dev.gmpwatch.remediator.store;

import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.action.LegacyState;
import dev.gmpwatch.remediator.config.ActionTypes;
import dev.gmpwatch.remediator.core.CircuitState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Moves the state of schema 3 (a column per action field) into schema 4's opaque target data and
 * action state, then drops the old tables. Each action type says what its rows become
 * ({@link LegacyState}), in the formats it writes today. It runs once, in the migration's
 * transaction, after V4__action_state.sql.
 */
final class V4ActionState {
    private V4ActionState() {
    }

    static void migrate(Connection c, ActionTypes types) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM circuits")) {
            while (rs.next()) {
                Map<String, Object> row = row(rs);
                String type = rs.getString("action_type");
                String key = rs.getString("target");
                LegacyState.Migrated m = legacy(types, type).migrate(key, row);
                long restore = rs.getLong("restore_at");
                Long restoreAt = rs.wasNull() ? null : restore;
                long opened = rs.getLong("opened_at");
                Long openedAt = rs.wasNull() ? null : opened;
                boolean open = CircuitState.of(rs.getString("state")) == CircuitState.OPEN;
                Store.execute(c, "INSERT INTO targets (target, policy, action_type, target_group, data, state, opened_at,"
                                + " restore_at, frozen, applied, action_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        key, rs.getString("policy"), type, m.group(), m.data(), rs.getString("state"),
                        openedAt, restoreAt, rs.getInt("frozen"), open ? 1 : 0, m.actionState());
            }
        }
        LegacyState gomaxprocs = legacy(types, "gomaxprocs");
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM gomaxprocs_targets")) {
            while (rs.next()) {
                String key = rs.getString("target");
                LegacyState.Migrated m = gomaxprocs.migrate(key, row(rs));
                Store.execute(c, "INSERT INTO targets (target, policy, action_type, target_group, data, state, frozen, applied,"
                        + " action_state) VALUES (?, ?, 'gomaxprocs', ?, ?, ?, 0, 0, ?)", key, lastPolicy(c, key),
                        m.group(), m.data(), CircuitState.CLOSED.label(), m.actionState());
            }
        }
        Store.execute(c, "INSERT INTO events (scope, kind, at) SELECT target, 'open', opened_at FROM circuit_opens");
        Store.execute(c, "INSERT INTO events (scope, kind, at) SELECT target, 'flip', at FROM gomaxprocs_flips");
        Store.execute(c, "UPDATE intents SET op = 'open' WHERE op IN ('step-down', 'step-up')");
        for (String table : new String[] {"circuits", "circuit_opens", "gomaxprocs_targets", "gomaxprocs_flips"}) {
            Store.execute(c, "DROP TABLE " + table);
        }
    }

    private static LegacyState legacy(ActionTypes types, String type) throws SQLException {
        return types.find(type).flatMap(ActionType::legacyState)
                .orElseThrow(() -> new SQLException("schema 3 holds targets of action type " + type + ", which cannot migrate them"));
    }

    private static Map<String, Object> row(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            row.put(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), rs.getObject(i));
        }
        return row;
    }

    private static String lastPolicy(Connection c, String key) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT policy FROM intents WHERE target = ? ORDER BY id DESC LIMIT 1")) {
            Store.bind(q, key);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }
}
