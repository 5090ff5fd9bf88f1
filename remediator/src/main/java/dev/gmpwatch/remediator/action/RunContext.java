package dev.gmpwatch.remediator.action;

import dev.gmpwatch.remediator.core.Target;
import java.sql.SQLException;
import java.util.List;

/** What an action may ask of the engine while it runs an intent. */
public interface RunContext {
    /** The intent's id: stable across retries, so usable as an idempotency key. */
    long intentId();

    /** Other targets of the group whose apply is running or done on any replica (for caps). */
    List<Target> appliedInGroup();

    /** Reads or updates the target's own state in one store transaction. */
    <T> T update(StateWork<T> work);

    /** Work on the target's state inside one transaction. */
    interface StateWork<T> {
        T run(TargetState state) throws SQLException;
    }
}
