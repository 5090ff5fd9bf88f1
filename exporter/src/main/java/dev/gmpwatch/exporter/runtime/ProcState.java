package dev.gmpwatch.exporter.runtime;

/**
 * One P as read from allp.
 *
 * @param status      the runtime's _Pidle.. _Pdead code
 * @param runQueue    goroutines in its local run queue, runnext included
 * @param schedTicks  its scheduler-call counter (wraps at 2^32)
 * @param syscallTicks its system-call counter (wraps at 2^32)
 */
public record ProcState(int id, int status, int runQueue, long schedTicks, long syscallTicks) {
    public static final int LOCAL_QUEUE_CAPACITY = 256;
    private static final String[] STATUS = {"idle", "running", "syscall", "gcstop", "dead"};

    public String statusName() {
        return status >= 0 && status < STATUS.length ? STATUS[status] : "unknown";
    }
}
