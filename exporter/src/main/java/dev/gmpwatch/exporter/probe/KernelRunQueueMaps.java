package dev.gmpwatch.exporter.probe;

import static dev.gmpwatch.exporter.probe.SchedulerAbi.HIST_SIZE;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.MAX_TARGETS;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.MAX_THREADS;

/**
 * Every map of runqueue.bpf.o, named once with its key and value sizes and entries, as
 * {@link SchedulerMaps} names scheduler.bpf.o's; SchedulerAbiTest checks both against the BTF.
 */
public enum KernelRunQueueMaps {
    /** tgid -> slot: the processes counted. */
    WATCHED("watched", 4, 4, MAX_TARGETS),
    /** tid -> when the thread became runnable (ns); LRU. */
    RUNNABLE_SINCE("runnable_since", 4, 8, MAX_THREADS),
    /** slot -> struct hist of run-queue waits, per CPU. */
    QUEUE_LATENCY("queue_latency", 4, HIST_SIZE, MAX_TARGETS);

    private final String bpfName;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;

    KernelRunQueueMaps(String bpfName, int keySize, int valueSize, int maxEntries) {
        this.bpfName = bpfName;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
    }

    public String bpfName() {
        return bpfName;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }
}
