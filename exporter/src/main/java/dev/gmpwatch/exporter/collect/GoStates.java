package dev.gmpwatch.exporter.collect;

import java.util.List;

/** Go's goroutine status codes (runtime2.go) and the label values we give them. */
final class GoStates {
    /** The states every process gets series for, pre-filled with 0. */
    static final List<String> REPORTED = List.of("idle", "runnable", "running", "syscall", "waiting", "dead",
            "copystack", "preempted");

    private static final String[] NAMES = {
        "idle", "runnable", "running", "syscall", "waiting", "moribund", "dead", "enqueue",
        "copystack", "preempted", "leaked", "dead"}; // 11 is _Gdeadextra (Go 1.26+): a dead g kept for cgo

    static final int IDLE = 0;
    static final int DEAD = 6;
    static final int DEAD_EXTRA = 11;

    private GoStates() {
    }

    static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "unknown";
    }

    static boolean isDead(int code) {
        return code == DEAD || code == DEAD_EXTRA;
    }
}
