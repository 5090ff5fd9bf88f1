package dev.gmpwatch.remediator.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Moves the state of schema 3 (a column per action field) into schema 4's opaque target data and
 * action state, in the formats the actions of this version write, then drops the old tables.
 * It runs once, in the migration's transaction, after V4__action_state.sql.
 */
final class V4ActionState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private V4ActionState() {
    }

    static void migrate(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM circuits")) {
            while (rs.next()) {
                String type = rs.getString("action_type");
                ObjectNode data = JSON.createObjectNode();
                String group = null;
                if (type.equals("http")) {
                    data.put("method", rs.getString("method")).put("openUrl", rs.getString("open_url"))
                            .put("closeUrl", rs.getString("close_url"));
                } else {
                    data.put("haproxy", rs.getString("haproxy")).put("backend", rs.getString("backend"))
                            .put("server", rs.getString("server"));
                    group = "haproxy:" + rs.getString("haproxy") + "/" + rs.getString("backend");
                }
                long restore = rs.getLong("restore_at");
                Long restoreAt = rs.wasNull() ? null : restore;
                long opened = rs.getLong("opened_at");
                Long openedAt = rs.wasNull() ? null : opened;
                boolean open = rs.getString("state").equals("open");
                Store.execute(c, "INSERT INTO targets (target, policy, action_type, target_group, data, state, opened_at,"
                                + " restore_at, frozen, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        rs.getString("target"), rs.getString("policy"), type, group, data.toString(), rs.getString("state"),
                        openedAt, restoreAt, rs.getInt("frozen"), open ? 1 : 0);
            }
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM gomaxprocs_targets")) {
            while (rs.next()) {
                String key = rs.getString("target");
                int pidAt = key.indexOf("#pid=");
                ObjectNode data = JSON.createObjectNode()
                        .put("adminUrl", key.substring("gomaxprocs:".length(), pidAt < 0 ? key.length() : pidAt))
                        .put("pid", pidAt < 0 ? "" : key.substring(pidAt + 5)).put("exe", "");
                ObjectNode state = JSON.createObjectNode();
                int value = rs.getInt("last_value");
                state.set("lastValue", rs.wasNull() ? null : JSON.getNodeFactory().numberNode(value));
                long at = rs.getLong("last_set_at");
                state.set("lastSetAt", rs.wasNull() ? null : JSON.getNodeFactory().numberNode(at));
                state.put("lastDirection", rs.getString("last_direction")).put("frozen", rs.getInt("frozen") != 0)
                        .put("activeDown", rs.getString("active_down")).put("activeUp", rs.getString("active_up"));
                Store.execute(c, "INSERT INTO targets (target, policy, action_type, target_group, data, state, frozen, applied,"
                        + " action_state) VALUES (?, ?, 'gomaxprocs', NULL, ?, 'closed', 0, 0, ?)", key, lastPolicy(c, key),
                        data.toString(), state.toString());
            }
        }
        Store.execute(c, "INSERT INTO events (scope, kind, at) SELECT target, 'open', opened_at FROM circuit_opens");
        Store.execute(c, "INSERT INTO events (scope, kind, at) SELECT target, 'flip', at FROM gomaxprocs_flips");
        Store.execute(c, "UPDATE intents SET op = 'open' WHERE op IN ('step-down', 'step-up')");
        for (String table : new String[] {"circuits", "circuit_opens", "gomaxprocs_targets", "gomaxprocs_flips"}) {
            Store.execute(c, "DROP TABLE " + table);
        }
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
