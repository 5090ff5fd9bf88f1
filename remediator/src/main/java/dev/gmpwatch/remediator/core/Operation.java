package dev.gmpwatch.remediator.core;

/** What a queued intent asks of an action. */
public enum Operation {
    /** Take the action: open the circuit, make the step. */
    APPLY,
    /** Undo a circuit after its alert resolved. */
    RESTORE;

    /** The word stored with an intent (the names of the first schema). */
    public String stored() {
        return this == APPLY ? "open" : "close";
    }

    public static Operation fromStored(String op) {
        return op.equals("close") ? RESTORE : APPLY;
    }
}
