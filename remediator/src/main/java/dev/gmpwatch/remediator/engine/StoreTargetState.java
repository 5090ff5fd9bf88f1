package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.action.TargetState;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.store.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/** One target's view of the store inside one transaction; its row must exist. */
final class StoreTargetState implements TargetState {
    private final Connection c;
    private final Target target;
    private final long now;

    StoreTargetState(Connection c, Target target, long now) {
        this.c = c;
        this.target = target;
        this.now = now;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public Optional<String> read() throws SQLException {
        return Store.actionState(c, target.key());
    }

    @Override
    public void write(String state) throws SQLException {
        Store.saveActionState(c, target.key(), state);
    }

    @Override
    public int openInGroup() throws SQLException {
        return target.group() == null ? 0 : Store.openInGroup(c, target.group());
    }

    @Override
    public int recordEvent(String kind, Duration window) throws SQLException {
        return Store.recordEvent(c, target.key(), kind, now, now - window.toMillis());
    }
}
