package dev.gmpwatch.remediator.store;

import dev.gmpwatch.remediator.policy.Target;

/**
 * The remembered state of one target. {@code state} is "open" or "closed"; {@code restoreAt}
 * is set while a restore is scheduled; a frozen circuit stays open until an operator acts.
 */
public record Circuit(String target, String policy, Target action, String state, Long openedAt, Long restoreAt,
                      boolean frozen) {
    public boolean isOpen() {
        return state.equals("open");
    }

    public Circuit with(String newState, Long newOpenedAt, Long newRestoreAt, boolean newFrozen) {
        return new Circuit(target, policy, action, newState, newOpenedAt, newRestoreAt, newFrozen);
    }
}
