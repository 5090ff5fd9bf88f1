package dev.gmpwatch.exporter.probe;

import static dev.gmpwatch.exporter.probe.SchedulerAbi.HIST_BUCKETS;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.HIST_BUCKETS_OFFSET;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.HIST_SIZE;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.HIST_SUM_NS_OFFSET;
import static dev.gmpwatch.exporter.probe.SchedulerAbi.MAX_TARGETS;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.bpf.BpfLink;
import dev.gmpwatch.exporter.bpf.BpfMap;
import dev.gmpwatch.exporter.bpf.BpfObject;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel's run-queue latency of the watched processes' threads (--kernel.runqueue): owns the
 * loaded runqueue.bpf.o, its three BTF tracepoint programs (sched_wakeup, sched_wakeup_new,
 * sched_switch), and which processes they count. They run on every context switch of the host
 * and return after one hash lookup for a thread of an unwatched process.
 */
public final class KernelRunQueue implements AutoCloseable {
    /** The object's programs, each attached to the tracepoint its section names. */
    static final List<String> PROGRAMS = List.of("on_wakeup", "on_wakeup_new", "on_switch");

    private final BpfObject object;
    private final List<BpfLink> links = new ArrayList<>();
    private final Map<Long, Integer> slots = new HashMap<>();
    private final Deque<Integer> free = new ArrayDeque<>();

    public KernelRunQueue() throws BpfException {
        this.object = BpfObject.loadResource("/bpf/runqueue.bpf.o");
        try {
            for (String p : PROGRAMS) {
                links.add(object.program(p).attach());
            }
        } catch (BpfException e) {
            object.close();
            throw e;
        }
        for (int slot = 0; slot < MAX_TARGETS; slot++) {
            free.add(slot);
        }
    }

    /** Counts exactly these processes from now on: new ones start from 0, gone ones are forgotten. */
    public synchronized void watchOnly(Set<Long> pids) throws BpfException {
        for (Long pid : List.copyOf(slots.keySet())) {
            if (!pids.contains(pid)) {
                int slot = slots.remove(pid);
                map(KernelRunQueueMaps.WATCHED).delete(BpfMap.u32(pid.intValue()));
                map(KernelRunQueueMaps.QUEUE_LATENCY).update(BpfMap.u32(slot), new byte[HIST_SIZE * BpfMap.possibleCpus()]);
                free.add(slot);
            }
        }
        for (Long pid : pids) {
            if (!slots.containsKey(pid) && !free.isEmpty()) {
                int slot = free.poll();
                slots.put(pid, slot);
                map(KernelRunQueueMaps.WATCHED).update(BpfMap.u32(pid.intValue()), BpfMap.u32(slot));
            }
        }
    }

    /** The process's threads' run-queue waits since it was first watched; empty when it is not. */
    public synchronized Optional<Latency> latency(long pid) throws BpfException {
        Integer slot = slots.get(pid);
        if (slot == null) {
            return Optional.empty();
        }
        ByteBuffer perCpu = map(KernelRunQueueMaps.QUEUE_LATENCY).lookupPerCpu(slot, HIST_SIZE);
        long[] buckets = new long[HIST_BUCKETS];
        long sum = 0;
        for (int cpu = 0; cpu + HIST_SIZE <= perCpu.capacity(); cpu += HIST_SIZE) {
            for (int i = 0; i < HIST_BUCKETS; i++) {
                buckets[i] += perCpu.getLong(cpu + HIST_BUCKETS_OFFSET + i * 8);
            }
            sum += perCpu.getLong(cpu + HIST_SUM_NS_OFFSET);
        }
        return Optional.of(new Latency(buckets, sum));
    }

    /**
     * Waits on a CPU run queue, summed over CPUs.
     *
     * @param buckets bucket i holds waits in [2^(i-1), 2^i) ns
     */
    public record Latency(long[] buckets, long sumNanos) {
    }

    private BpfMap map(KernelRunQueueMaps m) {
        return object.map(m.bpfName());
    }

    @Override
    public synchronized void close() {
        links.forEach(BpfLink::close);
        object.close();
    }
}
