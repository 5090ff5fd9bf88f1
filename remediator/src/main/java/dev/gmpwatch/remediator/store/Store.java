package dev.gmpwatch.remediator.store;

import dev.gmpwatch.remediator.policy.Target;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The remediator's durable state. Each method runs inside the caller's transaction. */
public final class Store {
    private Store() {
    }

    /** Records a notification; false when it was seen before (a duplicate). */
    public static boolean markSeen(Connection c, String fingerprint, String status, String startsAt, long now) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(
                "SELECT 1 FROM seen_alerts WHERE fingerprint = ? AND status = ? AND starts_at = ?")) {
            q.setString(1, fingerprint);
            q.setString(2, status);
            q.setString(3, startsAt);
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return false;
                }
            }
        }
        try (PreparedStatement i = c.prepareStatement(
                "INSERT INTO seen_alerts (fingerprint, status, starts_at, received_at) VALUES (?, ?, ?, ?)")) {
            i.setString(1, fingerprint);
            i.setString(2, status);
            i.setString(3, startsAt);
            i.setLong(4, now);
            i.executeUpdate();
        }
        return true;
    }

    public static Optional<Circuit> circuit(Connection c, String target) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT * FROM circuits WHERE target = ?")) {
            q.setString(1, target);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(circuit(rs)) : Optional.empty();
            }
        }
    }

    public static void saveCircuit(Connection c, Circuit k) throws SQLException {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM circuits WHERE target = ?")) {
            d.setString(1, k.target());
            d.executeUpdate();
        }
        try (PreparedStatement i = c.prepareStatement("INSERT INTO circuits (target, policy, haproxy, backend, server, state,"
                + " opened_at, restore_at, frozen, action_type, method, open_url, close_url)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Target a = k.action();
            i.setString(1, k.target());
            i.setString(2, k.policy());
            i.setString(3, a.haproxy());
            i.setString(4, a.backend());
            i.setString(5, a.server());
            i.setString(6, k.state());
            setLong(i, 7, k.openedAt());
            setLong(i, 8, k.restoreAt());
            i.setInt(9, k.frozen() ? 1 : 0);
            i.setString(10, a.type());
            i.setString(11, a.method());
            i.setString(12, a.openUrl());
            i.setString(13, a.closeUrl());
            i.executeUpdate();
        }
    }

    public static List<Circuit> openCircuits(Connection c) throws SQLException {
        return circuits(c, "SELECT * FROM circuits WHERE state = 'open' ORDER BY target", -1);
    }

    /** Open, unfrozen circuits whose restore is due. */
    public static List<Circuit> dueRestores(Connection c, long now) throws SQLException {
        return circuits(c, "SELECT * FROM circuits WHERE state = 'open' AND frozen = 0 AND restore_at IS NOT NULL"
                + " AND restore_at <= ? ORDER BY restore_at", now);
    }

    public static int openInBackend(Connection c, String haproxy, String backend) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(
                "SELECT COUNT(*) FROM circuits WHERE state = 'open' AND haproxy = ? AND backend = ?")) {
            q.setString(1, haproxy);
            q.setString(2, backend);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Records an open and returns how many opens the target had since {@code since}. */
    public static int recordOpen(Connection c, String target, long at, long since) throws SQLException {
        return recordEvent(c, "circuit_opens", "opened_at", target, at, since);
    }

    /**
     * Appends a timestamped event of a target to an event table (target, time column) and returns
     * how many the target has had since {@code since}: what the flap guards count.
     */
    static int recordEvent(Connection c, String table, String timeColumn, String target, long at, long since)
            throws SQLException {
        try (PreparedStatement i = c.prepareStatement("INSERT INTO " + table + " (target, " + timeColumn + ") VALUES (?, ?)")) {
            i.setString(1, target);
            i.setLong(2, at);
            i.executeUpdate();
        }
        try (PreparedStatement q = c.prepareStatement(
                "SELECT COUNT(*) FROM " + table + " WHERE target = ? AND " + timeColumn + " >= ?")) {
            q.setString(1, target);
            q.setLong(2, since);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    public static void enqueue(Connection c, String target, String op, String policy, String fingerprint, String labels,
                               long now) throws SQLException {
        try (PreparedStatement i = c.prepareStatement("INSERT INTO intents (target, op, policy, fingerprint, labels, status,"
                + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)")) {
            i.setString(1, target);
            i.setString(2, op);
            i.setString(3, policy);
            i.setString(4, fingerprint);
            i.setString(5, labels);
            i.setLong(6, now);
            i.setLong(7, now);
            i.executeUpdate();
        }
    }

    /** Takes the oldest pending intent; with several replicas only one can claim it. */
    public static Optional<Intent> claimNext(Connection c, long now) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(
                "SELECT id, target, op, policy, fingerprint, labels FROM intents WHERE status = 'pending' ORDER BY id LIMIT 1")) {
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Intent in = new Intent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6));
                try (PreparedStatement u = c.prepareStatement(
                        "UPDATE intents SET status = 'running', updated_at = ? WHERE id = ? AND status = 'pending'")) {
                    u.setLong(1, now);
                    u.setLong(2, in.id());
                    return u.executeUpdate() == 1 ? Optional.of(in) : Optional.empty();
                }
            }
        }
    }

    public static void finish(Connection c, long id, String status, long now) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE intents SET status = ?, updated_at = ? WHERE id = ?")) {
            u.setString(1, status);
            u.setLong(2, now);
            u.setLong(3, id);
            u.executeUpdate();
        }
    }

    /** After a crash, intents that were running may or may not have happened: run them again. */
    public static int requeueInterrupted(Connection c, long now) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE intents SET status = 'pending', updated_at = ? WHERE status = 'running'")) {
            u.setLong(1, now);
            return u.executeUpdate();
        }
    }

    public static void audit(Connection c, long at, String fingerprint, String labels, String policy, String action,
                             String target, String decision, String result) throws SQLException {
        try (PreparedStatement i = c.prepareStatement("INSERT INTO audit (at, fingerprint, labels, policy, action, target,"
                + " decision, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            i.setLong(1, at);
            i.setString(2, fingerprint);
            i.setString(3, labels);
            i.setString(4, policy);
            i.setString(5, action);
            i.setString(6, target);
            i.setString(7, decision);
            i.setString(8, result);
            i.executeUpdate();
        }
    }

    /** The audit log, newest first. */
    public static List<AuditEntry> auditPage(Connection c, int limit, int offset) throws SQLException {
        List<AuditEntry> out = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT id, at, fingerprint, labels, policy, action, target, decision, result"
                + " FROM audit ORDER BY id DESC LIMIT ? OFFSET ?")) {
            q.setInt(1, limit);
            q.setInt(2, offset);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
                }
            }
        }
        return out;
    }

    /** Binds a nullable number. */
    static void setLong(PreparedStatement s, int index, Long value) throws SQLException {
        if (value == null) {
            s.setNull(index, java.sql.Types.BIGINT);
        } else {
            s.setLong(index, value);
        }
    }

    private static List<Circuit> circuits(Connection c, String sql, long arg) throws SQLException {
        List<Circuit> out = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement(sql)) {
            if (arg >= 0) {
                q.setLong(1, arg);
            }
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(circuit(rs));
                }
            }
        }
        return out;
    }

    private static Circuit circuit(ResultSet rs) throws SQLException {
        long opened = rs.getLong("opened_at");
        Long openedAt = rs.wasNull() ? null : opened;
        long restore = rs.getLong("restore_at");
        Long restoreAt = rs.wasNull() ? null : restore;
        Target action = new Target(rs.getString("action_type"), rs.getString("haproxy"), rs.getString("backend"),
                rs.getString("server"), rs.getString("method"), rs.getString("open_url"), rs.getString("close_url"));
        return new Circuit(rs.getString("target"), rs.getString("policy"), action, rs.getString("state"), openedAt, restoreAt,
                rs.getInt("frozen") != 0);
    }
}
