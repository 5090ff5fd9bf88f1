package dev.gmpwatch.remediator.core;


/**
 * The remembered state of one target. For a circuit, {@code state} is open or closed,
 * {@code restoreAt} is set while a restore is scheduled, and a frozen circuit stays open until
 * an operator acts; {@code applied} is set once an executor started its apply. A step's target
 * stays closed: it keeps its guards in the action's own state.
 */
public record TargetRecord(String key, String policy, String actionType, String group, String data, CircuitState state,
                           Long openedAt, Long restoreAt, boolean frozen, boolean applied) {
    public static TargetRecord of(Target t, String policy, String actionType) {
        return new TargetRecord(t.key(), policy, actionType, t.group(), t.data(), CircuitState.CLOSED, null, null, false, false);
    }

    public Target target() {
        return new Target(key, group, data);
    }

    public boolean isOpen() {
        return state == CircuitState.OPEN;
    }

    /** The same target as rendered from the latest alert (its data may have been refreshed). */
    public TargetRecord withTarget(Target t) {
        return new TargetRecord(key, policy, actionType, t.group(), t.data(), state, openedAt, restoreAt, frozen, applied);
    }

    public TargetRecord opened(long at) {
        return new TargetRecord(key, policy, actionType, group, data, CircuitState.OPEN, at, null, false, false);
    }

    public TargetRecord closed() {
        return new TargetRecord(key, policy, actionType, group, data, CircuitState.CLOSED, null, null, false, false);
    }

    public TargetRecord restoreAt(Long at) {
        return new TargetRecord(key, policy, actionType, group, data, state, openedAt, at, frozen, applied);
    }

    public TargetRecord frozenOpen() {
        return new TargetRecord(key, policy, actionType, group, data, CircuitState.OPEN, openedAt, null, true, applied);
    }
}
