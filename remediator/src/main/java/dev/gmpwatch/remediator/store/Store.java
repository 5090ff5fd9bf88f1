package dev.gmpwatch.remediator.store;

import dev.gmpwatch.remediator.policy.Target;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
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
            bind(q, fingerprint, status, startsAt);
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return false;
                }
            }
        }
        execute(c, "INSERT INTO seen_alerts (fingerprint, status, starts_at, received_at) VALUES (?, ?, ?, ?)",
                fingerprint, status, startsAt, now);
        return true;
    }

    public static Optional<Circuit> circuit(Connection c, String target) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT * FROM circuits WHERE target = ?")) {
            bind(q, target);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(circuit(rs)) : Optional.empty();
            }
        }
    }

    public static void saveCircuit(Connection c, Circuit k) throws SQLException {
        execute(c, "DELETE FROM circuits WHERE target = ?", k.target());
        Target a = k.action();
        execute(c, "INSERT INTO circuits (target, policy, haproxy, backend, server, state, opened_at, restore_at, frozen,"
                        + " action_type, method, open_url, close_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                k.target(), k.policy(), a.haproxy(), a.backend(), a.server(), k.state(), k.openedAt(), k.restoreAt(),
                k.frozen() ? 1 : 0, a.type(), a.method(), a.openUrl(), a.closeUrl());
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
            bind(q, haproxy, backend);
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
        execute(c, "INSERT INTO " + table + " (target, " + timeColumn + ") VALUES (?, ?)", target, at);
        try (PreparedStatement q = c.prepareStatement(
                "SELECT COUNT(*) FROM " + table + " WHERE target = ? AND " + timeColumn + " >= ?")) {
            bind(q, target, since);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    public static void enqueue(Connection c, String target, String op, String policy, String fingerprint, String labels,
                               long now) throws SQLException {
        execute(c, "INSERT INTO intents (target, op, policy, fingerprint, labels, status, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)", target, op, policy, fingerprint, labels, now, now);
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
                int claimed = execute(c, "UPDATE intents SET status = 'running', updated_at = ? WHERE id = ? AND status = 'pending'",
                        now, in.id());
                return claimed == 1 ? Optional.of(in) : Optional.empty();
            }
        }
    }

    public static void finish(Connection c, long id, String status, long now) throws SQLException {
        execute(c, "UPDATE intents SET status = ?, updated_at = ? WHERE id = ?", status, now, id);
    }

    /** After a crash, intents that were running may or may not have happened: run them again. */
    public static int requeueInterrupted(Connection c, long now) throws SQLException {
        return execute(c, "UPDATE intents SET status = 'pending', updated_at = ? WHERE status = 'running'", now);
    }

    public static void audit(Connection c, long at, String fingerprint, String labels, String policy, String action,
                             String target, String decision, String result) throws SQLException {
        execute(c, "INSERT INTO audit (at, fingerprint, labels, policy, action, target, decision, result)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", at, fingerprint, labels, policy, action, target, decision, result);
    }

    /** The audit log, newest first. */
    public static List<AuditEntry> auditPage(Connection c, int limit, int offset) throws SQLException {
        List<AuditEntry> out = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT id, at, fingerprint, labels, policy, action, target, decision, result"
                + " FROM audit ORDER BY id DESC LIMIT ? OFFSET ?")) {
            bind(q, limit, offset);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
                }
            }
        }
        return out;
    }

    /** Runs one INSERT, UPDATE or DELETE with its parameters; returns the rows it changed. */
    static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            return s.executeUpdate();
        }
    }

    /**
     * Binds parameters in order: strings, integers and longs. A null is bound without a type, so
     * that SQLite and PostgreSQL both take it from the column.
     */
    static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            if (arg == null) {
                s.setNull(i + 1, Types.NULL);
            } else if (arg instanceof String text) {
                s.setString(i + 1, text);
            } else if (arg instanceof Integer n) {
                s.setInt(i + 1, n);
            } else if (arg instanceof Long n) {
                s.setLong(i + 1, n);
            } else {
                throw new IllegalArgumentException("cannot bind a " + arg.getClass().getSimpleName());
            }
        }
    }

    private static List<Circuit> circuits(Connection c, String sql, long arg) throws SQLException {
        List<Circuit> out = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement(sql)) {
            if (arg >= 0) {
                bind(q, arg);
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
