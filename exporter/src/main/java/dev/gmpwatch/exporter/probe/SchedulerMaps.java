package dev.gmpwatch.exporter.probe;

import static dev.gmpwatch.exporter.probe.SchedulerAbi.BINARY_CFG_SIZE;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.DROP_KINDS;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.G_KEY_SIZE;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.G_STATES;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.HIST_SIZE;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.MAX_BINARIES;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.MAX_BIRTHS;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.MAX_TARGETS;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.RQ_EVENTS;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.TARGET_CFG_SIZE;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.WAIT_REASONS;

/**
 * Every map of scheduler.bpf.o, named once, with the key and value sizes and the entries the
 * exporter reads and writes it with. SchedulerAbiTest checks each against the object's BTF.
 */
public enum SchedulerMaps {
    /** tgid -> struct target_cfg: the processes watched. */
    TARGETS("targets", 4, TARGET_CFG_SIZE, MAX_TARGETS),
    /** The slots not taken (a queue: no key). */
    FREE_SLOTS("free_slots", 0, 4, MAX_TARGETS),
    /** index -> struct binary_cfg: executables whose every process is probed (--exe). */
    BINARIES("binaries", 4, BINARY_CFG_SIZE, MAX_BINARIES),
    /** (slot, from, to) -> transitions, per CPU. */
    TRANSITIONS("transitions", 4, 8, MAX_TARGETS * G_STATES * G_STATES),
    /** (slot, wait reason) -> parks, per CPU. */
    PARKS("parks", 4, 8, MAX_TARGETS * WAIT_REASONS),
    /** slot -> struct hist of goroutine lifetimes, per CPU. */
    LIFETIME("lifetime", 4, HIST_SIZE, MAX_TARGETS),
    /** struct g_key -> birth time (ns) of a goroutine created since attach. */
    BIRTHS("births", G_KEY_SIZE, 8, MAX_BIRTHS),
    /** (slot, RQ_* event) -> run-queue overflows, steal attempts and failed steals, per CPU. */
    RUN_QUEUE("run_queue", 4, 8, MAX_TARGETS * RQ_EVENTS),
    /** drop reason -> events not recorded, per CPU. */
    DROPS("drops", 4, 8, DROP_KINDS);

    private final String bpfName;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;

    SchedulerMaps(String bpfName, int keySize, int valueSize, int maxEntries) {
        this.bpfName = bpfName;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
    }

    /** The map's name in the object. */
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
