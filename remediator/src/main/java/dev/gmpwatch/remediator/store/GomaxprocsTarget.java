package dev.gmpwatch.remediator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** The durable state of one GOMAXPROCS target: the last value set, when, and the guards. */
public record GomaxprocsTarget(String target, Integer lastValue, Long lastSetAt, String lastDirection, boolean frozen,
                               String activeDown, String activeUp) {

    public static GomaxprocsTarget fresh(String target) {
        return new GomaxprocsTarget(target, null, null, null, false, null, null);
    }

    public String active(String direction) {
        return direction.equals("down") ? activeDown : activeUp;
    }

    public GomaxprocsTarget withActive(String direction, String value) {
        return direction.equals("down")
                ? new GomaxprocsTarget(target, lastValue, lastSetAt, lastDirection, frozen, value, activeUp)
                : new GomaxprocsTarget(target, lastValue, lastSetAt, lastDirection, frozen, activeDown, value);
    }

    public GomaxprocsTarget withFrozen() {
        return new GomaxprocsTarget(target, lastValue, lastSetAt, lastDirection, true, activeDown, activeUp);
    }

    public GomaxprocsTarget withStep(int value, long at, String direction) {
        return new GomaxprocsTarget(target, value, at, direction, frozen, activeDown, activeUp);
    }

    public static Optional<GomaxprocsTarget> load(Connection c, String target) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT * FROM gomaxprocs_targets WHERE target = ?")) {
            Store.bind(q, target);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int v = rs.getInt("last_value");
                Integer last = rs.wasNull() ? null : v;
                long at = rs.getLong("last_set_at");
                Long lastAt = rs.wasNull() ? null : at;
                return Optional.of(new GomaxprocsTarget(target, last, lastAt, rs.getString("last_direction"),
                        rs.getInt("frozen") != 0, rs.getString("active_down"), rs.getString("active_up")));
            }
        }
    }

    public void save(Connection c) throws SQLException {
        Store.execute(c, "DELETE FROM gomaxprocs_targets WHERE target = ?", target);
        Store.execute(c, "INSERT INTO gomaxprocs_targets (target, last_value, last_set_at, last_direction, frozen,"
                        + " active_down, active_up) VALUES (?, ?, ?, ?, ?, ?, ?)",
                target, lastValue, lastSetAt, lastDirection, frozen ? 1 : 0, activeDown, activeUp);
    }

    /** Records a change of direction and returns how many happened since {@code since}. */
    public static int recordFlip(Connection c, String target, long at, long since) throws SQLException {
        return Store.recordEvent(c, "gomaxprocs_flips", "at", target, at, since);
    }
}
