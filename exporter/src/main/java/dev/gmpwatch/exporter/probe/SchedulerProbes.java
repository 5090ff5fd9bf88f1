package dev.gmpwatch.exporter.probe;

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
 * it a slot and attaches four probes that fire only in it; {@link #registerBinary} attaches the
 * probes to every process of an executable, and each such process takes a slot itself on its
 * first event ({@link #adoptSelfRegistered} then picks it up). Unwatch frees every map entry.
 */
public final class SchedulerProbes implements AutoCloseable {
    /** Mirrors bpf/scheduler.h. */
    public static final int MAX_TARGETS = 256;
    public static final int G_STATES = 16;
    public static final int WAIT_REASONS = 64;
    public static final int HIST_BUCKETS = 40;
    public static final int HIST_SIZE = (HIST_BUCKETS + 1) * 8;
    public static final int MAX_BINARIES = 64;
    static final long COOKIE_STACK_CHECK_JBE = 1;
    static final int COOKIE_BINARY_SHIFT = 8;

    /** Function -> BPF program. */
    private static final Map<String, String> PROGRAMS = new LinkedHashMap<>();

    static {
        PROGRAMS.put("runtime.casgstatus", "on_casgstatus");
        PROGRAMS.put("runtime.stopTheWorldWithSema", "on_stop_the_world");
        PROGRAMS.put("runtime.startTheWorldWithSema", "on_start_the_world");
        PROGRAMS.put("runtime.procresize", "on_procresize");
    }

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
            map("free_slots").push(BpfMap.u32(slot));
        }
    }

    public synchronized List<RegisteredBinary> registeredBinaries() {
        return List.copyOf(binaries);
    }

    public BpfMap map(String name) {
        return object.map(name);
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
        int slot = map("free_slots").pop(4).map(b -> b.getInt(0))
                .orElseThrow(() -> new WatchException("already watching " + MAX_TARGETS + " processes"));
        map("targets").update(BpfMap.u32((int) pid), targetConfig(slot, offsets));
        List<BpfLink> links = new ArrayList<>();
        String path = proc.exe(pid).toString();
        try {
            for (Map.Entry<String, String> e : PROGRAMS.entrySet()) {
                HookedFunction f = sites.get(e.getKey());
                long cookie = f.stackCheckBranch() ? COOKIE_STACK_CHECK_JBE : 0;
                links.add(object.program(e.getValue()).attachUprobe((int) pid, path, f.probeOffset(), cookie));
            }
        } catch (BpfAttachException e) {
            links.forEach(BpfLink::close);
            map("targets").delete(BpfMap.u32((int) pid));
            map("free_slots").push(BpfMap.u32(slot));
            throw e;
        }
        WatchedProcess w = new WatchedProcess(pid, slot, exeName, bin, probeMode(sites), List.copyOf(links));
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
        map("binaries").update(BpfMap.u32(index), ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(offsets.get("runtime.g.startpc").intValue())
                .putInt(offsets.get("runtime.g.waitreason").intValue()).array());
        List<BpfLink> links = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : PROGRAMS.entrySet()) {
                HookedFunction f = sites.get(e.getKey());
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
        BpfMap targets = map("targets");
        for (byte[] key : targets.keys(4)) {
            long pid = Integer.toUnsignedLong(ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
            if (watched.containsKey(pid)) {
                continue;
            }
            Optional<ByteBuffer> cfg = targets.lookup(key, 16);
            if (cfg.isEmpty() || cfg.get().getInt(12) == 0) {
                continue;
            }
            int slot = cfg.get().getInt(0);
            RegisteredBinary r = binaries.get(cfg.get().getInt(12) - 1);
            String exe = r.path().getFileName().toString();
            String mode;
            try {
                mode = probeMode(probeSites(r.binary()));
            } catch (WatchException e) {
                mode = "singlestep";
            }
            WatchedProcess w = new WatchedProcess(pid, slot, exe, r.binary(), mode, List.of());
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
        map("targets").delete(BpfMap.u32((int) pid));
        deleteKeysOf((int) pid, "runnable_since", 16);
        deleteKeysOf((int) pid, "births", 16);
        deleteKeysOf((int) pid, "creators", 16);
        map("stw_start").delete(BpfMap.u32((int) pid));
        clearSlot(w.slot());
        map("free_slots").push(BpfMap.u32(w.slot()));
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
        if (!offsets.containsKey("runtime.g.startpc") || !offsets.containsKey("runtime.g.waitreason")) {
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

    private static String probeMode(Map<String, HookedFunction> sites) {
        return PROGRAMS.keySet().stream().allMatch(fn -> sites.get(fn).probeMode().equals("emulated")) ? "emulated" : "singlestep";
    }

    /** A slot's goroutine state transitions so far, [from][to], summed over CPUs. */
    public long[][] transitions(int slot) throws BpfException {
        long[][] out = new long[G_STATES][G_STATES];
        BpfMap m = map("transitions");
        int base = slot * G_STATES * G_STATES;
        for (int from = 0; from < GoStatus.COUNT; from++) {
            for (int to = 0; to < GoStatus.COUNT; to++) {
                out[from][to] = BpfMap.sumPerCpu(m.lookupPerCpu(base + from * G_STATES + to, 8));
            }
        }
        return out;
    }

    /** Probe hits of a slot so far: every casgstatus call records one transition. */
    public long hits(int slot) throws BpfException {
        long n = 0;
        for (long[] row : transitions(slot)) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    /** Whether a process's probes were attached to it alone (not binary-wide through --exe). */
    public synchronized boolean attachedIndividually(long pid) {
        WatchedProcess w = watched.get(pid);
        return w != null && !w.links().isEmpty();
    }

    private void deleteKeysOf(int tgid, String mapName, int keySize) throws BpfException {
        BpfMap m = map(mapName);
        for (byte[] k : m.keys(keySize)) {
            if (ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == tgid) {
                m.delete(k);
            }
        }
    }

    /** Zeroes a freed slot's counters, so the next process starts from 0. */
    private void clearSlot(int slot) throws BpfException {
        int cpus = BpfMap.possibleCpus();
        byte[] zero8 = new byte[8 * cpus];
        for (int i = 0; i < G_STATES * G_STATES; i++) {
            map("transitions").update(BpfMap.u32(slot * G_STATES * G_STATES + i), zero8);
        }
        for (int i = 0; i < WAIT_REASONS; i++) {
            map("parks").update(BpfMap.u32(slot * WAIT_REASONS + i), zero8);
        }
        byte[] zeroHist = new byte[HIST_SIZE * cpus];
        for (String h : List.of("sched_latency", "lifetime", "stw")) {
            map(h).update(BpfMap.u32(slot), zeroHist);
        }
        map("state").update(BpfMap.u32(slot), ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
    }

    private static byte[] targetConfig(int slot, Map<String, Long> offsets) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(slot)
                .putInt(offsets.get("runtime.g.startpc").intValue())
                .putInt(offsets.get("runtime.g.waitreason").intValue())
                .putInt(0)
                .array();
    }
}
