package dev.gmpwatch.exporter.runtime;

/** Go's goroutine status codes (runtime2.go) and the label values gmpwatch gives them. */
public final class GoStatus {
    public static final int IDLE = 0;
    public static final int RUNNING = 2;
    public static final int SYSCALL = 3;
    public static final int WAITING = 4;
    public static final int COPYSTACK = 8;
    public static final int DEAD = 6;
    /** _Gdeadextra (Go 1.26+): a dead g kept for cgo. */
    public static final int DEAD_EXTRA = 11;
    /** _Gscan: set on top of a status while the GC scans the g's stack. */
    public static final int SCAN_BIT = 0x1000;

    private static final String[] NAMES = {
        "idle", "runnable", "running", "syscall", "waiting", "moribund", "dead", "enqueue",
        "copystack", "preempted", "leaked", "dead"};

    /** Codes 0 .. COUNT-1 are known. */
    public static final int COUNT = NAMES.length;

    private GoStatus() {
    }

    public static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "unknown";
    }
}
