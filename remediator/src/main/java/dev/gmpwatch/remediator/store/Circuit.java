package dev.gmpwatch.remediator.store;

/**
 * The remembered state of one target. {@code state} is "open" or "closed"; {@code restoreAt}
 * is set while a restore is scheduled; a frozen circuit stays open until an operator acts.
 */
public record Circuit(String target, String policy, String haproxy, String backend, String server, String state,
                      Long openedAt, Long restoreAt, boolean frozen) {
    public boolean isOpen() {
        return state.equals("open");
    }
}
