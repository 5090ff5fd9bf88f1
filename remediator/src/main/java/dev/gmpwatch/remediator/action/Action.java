package dev.gmpwatch.remediator.action;

import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * A lever, configured for one policy. The engine knows only this interface: it deduplicates,
 * rate-limits, queues, retries, schedules restores and audits; the action names its target,
 * guards it and changes it. See CONTRIBUTING.md, "Adding an action type".
 */
public interface Action {
    /** The value of the {@code action} label on metrics and of {@code action} in the audit log. */
    String type();

    /** Renders the target from the alert's labels, which are untrusted: validate every value used. */
    Target target(Map<String, String> labels) throws UnsafeLabelException;

    /**
     * True for a circuit: it stays applied while the alert fires and is restored after the alert
     * resolves (restoreAfter, minOpen, flap guard). False for a step, which each fresh firing
     * notification may repeat and nothing undoes.
     */
    boolean restores();

    /**
     * The action's own guards for a fresh firing alert, decided inside the decision's store
     * transaction (so every replica sees the others): the refusal, or empty to queue the action.
     */
    Optional<Refusal> admit(TargetState state, Target target, Alert alert) throws SQLException;

    /** A fresh resolved alert, inside the decision's transaction; circuits are restored by the engine. */
    default void resolved(TargetState state, Target target, Alert alert) throws SQLException {
    }

    /**
     * Applies or restores the target and verifies the result. It may run twice (after a crash):
     * when the target is already in the wanted state it must reconcile, not repeat. An
     * IOException means "unreachable, try again later": the engine retries with backoff.
     */
    Outcome run(RunContext context, Target target, Operation operation) throws IOException;
}
