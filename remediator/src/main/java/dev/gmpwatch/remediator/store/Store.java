package dev.gmpwatch.remediator.store;

import dev.gmpwatch.remediator.core.AuditEntry;
import dev.gmpwatch.remediator.core.CircuitState;
import dev.gmpwatch.remediator.core.Decision;
import dev.gmpwatch.remediator.core.IntentStatus;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.PendingIntent;
import dev.gmpwatch.remediator.core.TargetRecord;
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

    public static Optional<TargetRecord> target(Connection c, String key) throws SQLException {
        List<TargetRecord> one = targets(c, "SELECT * FROM targets WHERE target = ?", key);
        return one.isEmpty() ? Optional.empty() : Optional.of(one.get(0));
    }

    /** Writes the target's record; the action's own state is left as it is. */
    public static void saveTarget(Connection c, TargetRecord t) throws SQLException {
        Object[] values = {t.policy(), t.actionType(), t.group(), t.data(), t.state().label(), t.openedAt(), t.restoreAt(),
                t.frozen() ? 1 : 0, t.applied() ? 1 : 0, t.key()};
        int updated = execute(c, "UPDATE targets SET policy = ?, action_type = ?, target_group = ?, data = ?, state = ?,"
                + " opened_at = ?, restore_at = ?, frozen = ?, applied = ? WHERE target = ?", values);
        if (updated == 0) {
            execute(c, "INSERT INTO targets (policy, action_type, target_group, data, state, opened_at, restore_at, frozen,"
                    + " applied, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values);
        }
    }

    public static Optional<String> actionState(Connection c, String key) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT action_state FROM targets WHERE target = ?")) {
            bind(q, key);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    public static void saveActionState(Connection c, String key, String state) throws SQLException {
        execute(c, "UPDATE targets SET action_state = ? WHERE target = ?", state, key);
    }

    /** Marks that an executor started the target's apply (closing the circuit clears it); what caps on other replicas count. */
    public static void markApplied(Connection c, String key) throws SQLException {
        execute(c, "UPDATE targets SET applied = 1 WHERE target = ?", key);
    }

    public static List<TargetRecord> openCircuits(Connection c) throws SQLException {
        return targets(c, "SELECT * FROM targets WHERE state = 'open' ORDER BY target");
    }

    /** Open, unfrozen circuits whose restore is due. */
    public static List<TargetRecord> dueRestores(Connection c, long now) throws SQLException {
        return targets(c, "SELECT * FROM targets WHERE state = 'open' AND frozen = 0 AND restore_at IS NOT NULL"
                + " AND restore_at <= ? ORDER BY restore_at", now);
    }

    public static int openInGroup(Connection c, String group) throws SQLException {
        return count(c, "SELECT COUNT(*) FROM targets WHERE state = 'open' AND target_group = ?", group);
    }

    /** The group's other open targets whose apply an executor has started. */
    public static List<TargetRecord> appliedInGroup(Connection c, String group, String except) throws SQLException {
        return targets(c, "SELECT * FROM targets WHERE state = 'open' AND applied = 1 AND target_group = ? AND target <> ?",
                group, except);
    }

    /** Appends an event of a scope and returns how many of that kind the scope has had since {@code since}. */
    public static int recordEvent(Connection c, String scope, String kind, long at, long since) throws SQLException {
        addEvent(c, scope, kind, at);
        return countEvents(c, scope, kind, since);
    }

    public static void addEvent(Connection c, String scope, String kind, long at) throws SQLException {
        execute(c, "INSERT INTO events (scope, kind, at) VALUES (?, ?, ?)", scope, kind, at);
    }

    public static int countEvents(Connection c, String scope, String kind, long since) throws SQLException {
        return count(c, "SELECT COUNT(*) FROM events WHERE scope = ? AND kind = ? AND at >= ?", scope, kind, since);
    }

    /** Forgets events older than any guard looks back; returns how many. */
    public static int pruneEvents(Connection c, long before) throws SQLException {
        return execute(c, "DELETE FROM events WHERE at < ?", before);
    }

    public static void enqueue(Connection c, String target, Operation op, String policy, String fingerprint, String labels,
                               long now) throws SQLException {
        execute(c, "INSERT INTO intents (target, op, policy, fingerprint, labels, status, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)", target, op.stored(), policy, fingerprint, labels, now, now);
    }

    /** Takes the oldest pending intent that is due; with several replicas only one can claim it. */
    public static Optional<Intent> claimNext(Connection c, long now) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT id, target, op, policy, fingerprint, labels, attempts FROM intents"
                + " WHERE status = 'pending' AND not_before <= ? ORDER BY id LIMIT 1")) {
            bind(q, now);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Intent in = new Intent(rs.getLong(1), rs.getString(2), Operation.fromStored(rs.getString(3)), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7));
                int claimed = execute(c, "UPDATE intents SET status = 'running', updated_at = ? WHERE id = ? AND status = 'pending'",
                        now, in.id());
                return claimed == 1 ? Optional.of(in) : Optional.empty();
            }
        }
    }

    public static void finish(Connection c, long id, IntentStatus status, long now) throws SQLException {
        execute(c, "UPDATE intents SET status = ?, updated_at = ? WHERE id = ?", status.label(), now, id);
    }

    /** The target could not be reached: pending again, not before {@code notBefore}. */
    public static void retryLater(Connection c, long id, int attempts, long notBefore, String error, long now) throws SQLException {
        execute(c, "UPDATE intents SET status = 'pending', attempts = ?, not_before = ?, last_error = ?, updated_at = ? WHERE id = ?",
                attempts, notBefore, error, now, id);
    }

    /** After a crash, intents that were running may or may not have happened: run them again. */
    public static int requeueInterrupted(Connection c, long now) throws SQLException {
        return execute(c, "UPDATE intents SET status = 'pending', updated_at = ? WHERE status = 'running'", now);
    }

    /** How many intents are pending or running. */
    public static int pendingCount(Connection c) throws SQLException {
        return count(c, "SELECT COUNT(*) FROM intents WHERE status IN ('pending', 'running')");
    }

    /** Intents pending or running, oldest first. */
    public static List<PendingIntent> pendingIntents(Connection c) throws SQLException {
        List<PendingIntent> out = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT id, target, op, policy, status, attempts, not_before, last_error,"
                + " created_at FROM intents WHERE status IN ('pending', 'running') ORDER BY id LIMIT 1000");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                out.add(new PendingIntent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), IntentStatus.of(rs.getString(5)),
                        rs.getInt(6), rs.getLong(7), rs.getString(8), rs.getLong(9)));
            }
        }
        return out;
    }

    public static void audit(Connection c, long at, String fingerprint, String labels, String policy, String action,
                             String target, Decision decision, String result) throws SQLException {
        execute(c, "INSERT INTO audit (at, fingerprint, labels, policy, action, target, decision, result)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", at, fingerprint, labels, policy, action, target, decision.label(), result);
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
                            rs.getString(6), rs.getString(7), Decision.of(rs.getString(8)), rs.getString(9)));
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

    private static int count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(sql)) {
            bind(q, args);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static List<TargetRecord> targets(Connection c, String sql, Object... args) throws SQLException {
        List<TargetRecord> out = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement(sql)) {
            bind(q, args);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    long opened = rs.getLong("opened_at");
                    Long openedAt = rs.wasNull() ? null : opened;
                    long restore = rs.getLong("restore_at");
                    Long restoreAt = rs.wasNull() ? null : restore;
                    out.add(new TargetRecord(rs.getString("target"), rs.getString("policy"), rs.getString("action_type"),
                            rs.getString("target_group"), rs.getString("data"), CircuitState.of(rs.getString("state")), openedAt, restoreAt,
                            rs.getInt("frozen") != 0, rs.getInt("applied") != 0));
                }
            }
        }
        return out;
    }
}
