package dev.gmpwatch.exporter.probe;

import static dev.gmpwatch.exporter.probe.SchedulerAbi.*;

import dev.gmpwatch.exporter.bpf.BpfAttachException;
import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.bpf.BpfLink;
import dev.gmpwatch.exporter.bpf.BpfMap;
import dev.gmpwatch.exporter.bpf.BpfObject;
import dev.gmpwatch.exporter.bpf.BpfProgram;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.HookedFunction;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Owns the loaded scheduler.bpf.o. A process is watched in one of two ways: {@link #watch} gives
 * it a slot and attaches the probe that fires only in it; {@link #registerBinary} attaches the
 * probes to every process of an executable, and each such process takes a slot itself on its
 * first event ({@link #adoptSelfRegistered} then picks it up). Unwatch frees every map entry.
 */
public final class SchedulerProbes implements AutoCloseable {
    /**
     * Function -> BPF program: every state change goes through casgstatus, every local run-queue
     * overflow through runqputslow, every steal through runqsteal (probed after its runqgrab).
     */
    static final Map<String, String> PROGRAMS = Map.of("runtime.casgstatus", "on_casgstatus",
            "runtime.runqputslow", "on_runqputslow", "runtime.runqsteal", "on_runqsteal_grabbed");
    /** The drop reasons' label values, by their index in the drops map. */
    public static final List<String> DROP_REASONS = dropReasons();

    private final BpfObject object;
    private final Procfs proc;
    private final Map<Long, WatchedProcess> watched = new LinkedHashMap<>();
    private final List<RegisteredBinary> binaries = new ArrayList<>();

    /** An executable whose every process is probed. */
    public record RegisteredBinary(Path path, GoBinary binary, List<BpfLink> links) {
    }

    public SchedulerProbes(Procfs proc) throws BpfException {
        this.object = BpfObject.loadResource("/bpf/scheduler.bpf.o");
        this.proc = proc;
        for (int slot = 0; slot < MAX_TARGETS; slot++) {
            map(SchedulerMaps.FREE_SLOTS).push(BpfMap.u32(slot));
        }
    }

    public synchronized List<RegisteredBinary> registeredBinaries() {
        return List.copyOf(binaries);
    }

    public BpfMap map(SchedulerMaps m) {
        return object.map(m.bpfName());
    }

    public synchronized Collection<WatchedProcess> watched() {
        return List.copyOf(watched.values());
    }

    public synchronized Optional<WatchedProcess> get(long pid) {
        return Optional.ofNullable(watched.get(pid));
    }

    /** Attaches to one process. Throws with a one-line reason when it cannot be watched. */
    public synchronized WatchedProcess watch(long pid, String exeName, GoBinary bin)
            throws WatchException, BpfException {
        if (watched.containsKey(pid)) {
            return watched.get(pid);
        }
        Map<String, Long> offsets = requiredOffsets(bin);
        Map<String, HookedFunction> sites = probeSites(bin);
        int slot = map(SchedulerMaps.FREE_SLOTS).pop(4).map(b -> b.getInt(0))
                .orElseThrow(() -> new WatchException("already watching " + MAX_TARGETS + " processes"));
        map(SchedulerMaps.TARGETS).update(BpfMap.u32((int) pid), targetConfig(slot, offsets));
        List<BpfLink> links = new ArrayList<>();
        String path = proc.exe(pid).toString();
        try {
            for (Map.Entry<String, String> e : PROGRAMS.entrySet()) {
                HookedFunction f = sites.get(e.getKey());
                if (!usable(f)) {
                    continue;
                }
                long cookie = f.stackCheckBranch() ? COOKIE_STACK_CHECK_JBE : 0;
                links.add(object.program(e.getValue()).attachUprobe((int) pid, path, f.probeOffset(), cookie));
            }
        } catch (BpfAttachException e) {
            links.forEach(BpfLink::close);
            map(SchedulerMaps.TARGETS).delete(BpfMap.u32((int) pid));
            map(SchedulerMaps.FREE_SLOTS).push(BpfMap.u32(slot));
            throw e;
        }
        WatchedProcess w = new WatchedProcess(pid, slot, exeName, bin, probeMode(sites), List.copyOf(links), stealsProbed(sites));
        watched.put(pid, w);
        return w;
    }

    /**
     * Probes every process that runs an executable, present and future, so that even processes
     * that live for milliseconds are counted from their first goroutine.
     */
    public synchronized RegisteredBinary registerBinary(Path exe, GoBinary bin) throws WatchException, BpfException {
        if (binaries.size() >= MAX_BINARIES) {
            throw new WatchException("at most " + MAX_BINARIES + " executables can be registered");
        }
        Map<String, Long> offsets = requiredOffsets(bin);
        Map<String, HookedFunction> sites = probeSites(bin);
        int index = binaries.size();
        ByteBuffer cfg = ByteBuffer.allocate(BINARY_CFG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        cfg.putInt(BINARY_CFG_OFF_WAITREASON_OFFSET, offsets.get("runtime.g.waitreason").intValue());
        map(SchedulerMaps.BINARIES).update(BpfMap.u32(index), cfg.array());
        List<BpfLink> links = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : PROGRAMS.entrySet()) {
                HookedFunction f = sites.get(e.getKey());
                if (!usable(f)) {
                    continue;
                }
                long cookie = (f.stackCheckBranch() ? COOKIE_STACK_CHECK_JBE : 0) | ((long) (index + 1) << COOKIE_BINARY_SHIFT);
                links.add(object.program(e.getValue()).attachUprobe(BpfProgram.ALL_PROCESSES, exe.toString(),
                        f.probeOffset(), cookie));
            }
        } catch (BpfAttachException e) {
            links.forEach(BpfLink::close);
            throw e;
        }
        RegisteredBinary r = new RegisteredBinary(exe, bin, List.copyOf(links));
        binaries.add(r);
        return r;
    }

    /** Processes of registered executables that took a slot since the last call. */
    public synchronized List<WatchedProcess> adoptSelfRegistered() throws BpfException {
        List<WatchedProcess> adopted = new ArrayList<>();
        BpfMap targets = map(SchedulerMaps.TARGETS);
        for (byte[] key : targets.keys(4)) {
            long pid = Integer.toUnsignedLong(ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
            if (watched.containsKey(pid)) {
                continue;
            }
            Optional<ByteBuffer> cfg = targets.lookup(key, TARGET_CFG_SIZE);
            if (cfg.isEmpty() || cfg.get().getInt(TARGET_CFG_BINARY_OFFSET) == 0) {
                continue;
            }
            int slot = cfg.get().getInt(TARGET_CFG_SLOT_OFFSET);
            RegisteredBinary r = binaries.get(cfg.get().getInt(TARGET_CFG_BINARY_OFFSET) - 1);
            String exe = r.path().getFileName().toString();
            String mode;
            boolean steals;
            try {
                Map<String, HookedFunction> sites = probeSites(r.binary());
                mode = probeMode(sites);
                steals = stealsProbed(sites);
            } catch (WatchException e) {
                mode = "singlestep";
                steals = false;
            }
            WatchedProcess w = new WatchedProcess(pid, slot, exe, r.binary(), mode, List.of(), steals);
            watched.put(pid, w);
            adopted.add(w);
        }
        return adopted;
    }

    /** Detaches a process's probes and frees its map entries. */
    public synchronized void unwatch(long pid) throws BpfException {
        WatchedProcess w = watched.remove(pid);
        if (w == null) {
            return;
        }
        w.links().forEach(BpfLink::close);
        map(SchedulerMaps.TARGETS).delete(BpfMap.u32((int) pid));
        deleteKeysOf((int) pid, SchedulerMaps.BIRTHS);
        clearSlot(w.slot());
        map(SchedulerMaps.FREE_SLOTS).push(BpfMap.u32(w.slot()));
    }

    @Override
    public synchronized void close() {
        for (Long pid : List.copyOf(watched.keySet())) {
            try {
                unwatch(pid);
            } catch (BpfException e) {
                // closing the object below frees everything anyway
            }
        }
        for (RegisteredBinary r : binaries) {
            r.links().forEach(BpfLink::close);
        }
        object.close();
    }

    private static Map<String, Long> requiredOffsets(GoBinary bin) throws WatchException {
        Map<String, Long> offsets = bin.layout().offsets();
        if (!offsets.containsKey("runtime.g.waitreason")) {
            throw new WatchException(bin.goVersion() + " is not supported: no runtime struct offsets for it");
        }
        return offsets;
    }

    private static Map<String, HookedFunction> probeSites(GoBinary bin) throws WatchException {
        Map<String, HookedFunction> sites = new LinkedHashMap<>();
        try {
            for (HookedFunction f : bin.hookedFunctions()) {
                sites.put(f.name(), f);
            }
        } catch (ElfFormatException e) {
            throw new WatchException(e.getMessage());
        }
        for (String fn : PROGRAMS.keySet()) {
            if (!sites.containsKey(fn)) {
                throw new WatchException(fn + " is missing from the binary");
            }
        }
        return sites;
    }

    /**
     * A probe read where a function holds a callee's result needs that site: without it (a
     * compiler that keeps the result elsewhere) the steal counts are not served, and nothing
     * else changes.
     */
    private static boolean usable(HookedFunction f) {
        return !HookedFunction.RESULT_OF.containsKey(f.name()) || f.probeMode().equals("emulated");
    }

    private static boolean stealsProbed(Map<String, HookedFunction> sites) {
        return usable(sites.get("runtime.runqsteal"));
    }

    private static String probeMode(Map<String, HookedFunction> sites) {
        return PROGRAMS.keySet().stream().map(sites::get).filter(SchedulerProbes::usable)
                .allMatch(f -> f.probeMode().equals("emulated")) ? "emulated" : "singlestep";
    }

    /** A slot's counts so far, summed over CPUs. */
    public ProbeCounts counts(int slot) throws BpfException {
        ByteBuffer lifetimes = map(SchedulerMaps.LIFETIME).lookupPerCpu(slot, HIST_SIZE);
        long[] buckets = new long[HIST_BUCKETS];
        long sumNanos = 0;
        for (int cpu = 0; cpu + HIST_SIZE <= lifetimes.capacity(); cpu += HIST_SIZE) {
            for (int i = 0; i < HIST_BUCKETS; i++) {
                buckets[i] += lifetimes.getLong(cpu + HIST_BUCKETS_OFFSET + i * 8);
            }
            sumNanos += lifetimes.getLong(cpu + HIST_SUM_NS_OFFSET);
        }
        return new ProbeCounts(transitions(slot), parks(slot), buckets, sumNanos, runQueue(slot));
    }

    /** Events not recorded so far, by drop reason ({@link #DROP_REASONS}). */
    public long[] drops() throws BpfException {
        long[] out = new long[DROP_KINDS];
        BpfMap m = map(SchedulerMaps.DROPS);
        for (int i = 0; i < DROP_KINDS; i++) {
            out[i] = BpfMap.sumPerCpu(m.lookupPerCpu(i, 8));
        }
        return out;
    }

    /** Probe hits of a slot so far: a transition per casgstatus call, an event per run-queue probe hit. */
    public long hits(int slot) throws BpfException {
        long[] rq = runQueue(slot);
        return ProbeCounts.sum(transitions(slot)) + rq[RQ_OVERFLOW] + rq[RQ_STEAL];
    }

    private long[] runQueue(int slot) throws BpfException {
        long[] out = new long[RQ_EVENTS];
        BpfMap m = map(SchedulerMaps.RUN_QUEUE);
        for (int e = 0; e < RQ_EVENTS; e++) {
            out[e] = BpfMap.sumPerCpu(m.lookupPerCpu(slot * RQ_EVENTS + e, 8));
        }
        return out;
    }

    private long[][] transitions(int slot) throws BpfException {
        long[][] out = new long[G_STATES][G_STATES];
        BpfMap m = map(SchedulerMaps.TRANSITIONS);
        int base = slot * G_STATES * G_STATES;
        for (int from = 0; from < GoStatus.COUNT; from++) {
            for (int to = 0; to < GoStatus.COUNT; to++) {
                out[from][to] = BpfMap.sumPerCpu(m.lookupPerCpu(base + from * G_STATES + to, 8));
            }
        }
        return out;
    }

    private long[] parks(int slot) throws BpfException {
        long[] out = new long[WAIT_REASONS];
        BpfMap m = map(SchedulerMaps.PARKS);
        for (int code = 0; code < WAIT_REASONS; code++) {
            out[code] = BpfMap.sumPerCpu(m.lookupPerCpu(slot * WAIT_REASONS + code, 8));
        }
        return out;
    }

    /** Whether a process's probes were attached to it alone (not binary-wide through --exe). */
    public synchronized boolean attachedIndividually(long pid) {
        WatchedProcess w = watched.get(pid);
        return w != null && !w.links().isEmpty();
    }

    private void deleteKeysOf(int tgid, SchedulerMaps which) throws BpfException {
        BpfMap m = map(which);
        for (byte[] k : m.keys(which.keySize())) {
            if (ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN).getInt(G_KEY_TGID_OFFSET) == tgid) {
                m.delete(k);
            }
        }
    }

    /** Zeroes a freed slot's counters, so the next process starts from 0. */
    private void clearSlot(int slot) throws BpfException {
        int cpus = BpfMap.possibleCpus();
        byte[] zero8 = new byte[8 * cpus];
        for (int i = 0; i < G_STATES * G_STATES; i++) {
            map(SchedulerMaps.TRANSITIONS).update(BpfMap.u32(slot * G_STATES * G_STATES + i), zero8);
        }
        for (int i = 0; i < WAIT_REASONS; i++) {
            map(SchedulerMaps.PARKS).update(BpfMap.u32(slot * WAIT_REASONS + i), zero8);
        }
        map(SchedulerMaps.LIFETIME).update(BpfMap.u32(slot), new byte[HIST_SIZE * cpus]);
        for (int i = 0; i < RQ_EVENTS; i++) {
            map(SchedulerMaps.RUN_QUEUE).update(BpfMap.u32(slot * RQ_EVENTS + i), zero8);
        }
    }

    private static byte[] targetConfig(int slot, Map<String, Long> offsets) {
        ByteBuffer cfg = ByteBuffer.allocate(TARGET_CFG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        cfg.putInt(TARGET_CFG_SLOT_OFFSET, slot);
        cfg.putInt(TARGET_CFG_OFF_WAITREASON_OFFSET, offsets.get("runtime.g.waitreason").intValue());
        cfg.putInt(TARGET_CFG_BINARY_OFFSET, 0); // set by the probe for a self-registered process
        return cfg.array();
    }

    private static List<String> dropReasons() {
        String[] reasons = new String[DROP_KINDS];
        reasons[DROP_BIRTH_FULL] = "birth_table_full";
        reasons[DROP_NO_FREE_SLOT] = "no_free_slot";
        return List.of(reasons);
    }
}
