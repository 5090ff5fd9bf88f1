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
            q.setString(1, target);
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
        try (PreparedStatement d = c.prepareStatement("DELETE FROM gomaxprocs_targets WHERE target = ?")) {
            d.setString(1, target);
            d.executeUpdate();
        }
        try (PreparedStatement i = c.prepareStatement("INSERT INTO gomaxprocs_targets (target, last_value, last_set_at,"
                + " last_direction, frozen, active_down, active_up) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            i.setString(1, target);
            Store.setLong(i, 2, lastValue == null ? null : lastValue.longValue());
            Store.setLong(i, 3, lastSetAt);
            i.setString(4, lastDirection);
            i.setInt(5, frozen ? 1 : 0);
            i.setString(6, activeDown);
            i.setString(7, activeUp);
            i.executeUpdate();
        }
    }

    /** Records a change of direction and returns how many happened since {@code since}. */
    public static int recordFlip(Connection c, String target, long at, long since) throws SQLException {
        return Store.recordEvent(c, "gomaxprocs_flips", "at", target, at, since);
    }
}
