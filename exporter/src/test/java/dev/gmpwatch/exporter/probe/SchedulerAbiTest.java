package dev.gmpwatch.exporter.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gmpwatch.exporter.testing.ObjectBtf;
import dev.gmpwatch.exporter.testing.Repo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract between the exporter and its BPF objects, read from the compiled objects' BTF (no
 * root needed): every struct layout SchedulerAbi was generated with, every map SchedulerMaps and
 * KernelRunQueueMaps name, and no program or map the exporter does not use.
 */
class SchedulerAbiTest {
    private static final Path OBJECTS = Repo.root().resolve("exporter/target/classes/bpf");
    private static ObjectBtf scheduler;
    private static ObjectBtf runQueue;

    @BeforeAll
    static void readBtf() throws Exception {
        scheduler = new ObjectBtf(OBJECTS.resolve("scheduler.bpf.o"));
        runQueue = new ObjectBtf(OBJECTS.resolve("runqueue.bpf.o"));
    }

    @Test
    void everyStructHasTheGeneratedLayout() {
        assertLayout(scheduler, "target_cfg", SchedulerAbi.TARGET_CFG_SIZE, Map.of("slot", SchedulerAbi.TARGET_CFG_SLOT_OFFSET,
                "off_waitreason", SchedulerAbi.TARGET_CFG_OFF_WAITREASON_OFFSET, "binary", SchedulerAbi.TARGET_CFG_BINARY_OFFSET));
        assertLayout(scheduler, "binary_cfg", SchedulerAbi.BINARY_CFG_SIZE,
                Map.of("off_waitreason", SchedulerAbi.BINARY_CFG_OFF_WAITREASON_OFFSET));
        assertLayout(scheduler, "g_key", SchedulerAbi.G_KEY_SIZE, Map.of("tgid", SchedulerAbi.G_KEY_TGID_OFFSET,
                "pad", SchedulerAbi.G_KEY_PAD_OFFSET, "g", SchedulerAbi.G_KEY_G_OFFSET));
        Map<String, Integer> hist = Map.of("buckets", SchedulerAbi.HIST_BUCKETS_OFFSET, "sum_ns", SchedulerAbi.HIST_SUM_NS_OFFSET);
        assertLayout(scheduler, "hist", SchedulerAbi.HIST_SIZE, hist);
        assertLayout(runQueue, "hist", SchedulerAbi.HIST_SIZE, hist);
        assertEquals(SchedulerAbi.HIST_BUCKETS * 8, SchedulerAbi.HIST_SUM_NS_OFFSET, "buckets is HIST_BUCKETS u64s");
    }

    @Test
    void everyMapIsNamedWithItsSizesAndEntries() {
        Map<String, List<Integer>> declared = new TreeMap<>();
        for (SchedulerMaps m : SchedulerMaps.values()) {
            declared.put(m.bpfName(), List.of(m.keySize(), m.valueSize(), m.maxEntries()));
        }
        assertEquals(declared, scheduler.maps(), "scheduler.bpf.o's maps by name: key size, value size, max entries");
        Map<String, List<Integer>> kernel = new TreeMap<>();
        for (KernelRunQueueMaps m : KernelRunQueueMaps.values()) {
            kernel.put(m.bpfName(), List.of(m.keySize(), m.valueSize(), m.maxEntries()));
        }
        assertEquals(kernel, runQueue.maps(), "runqueue.bpf.o's maps by name: key size, value size, max entries");
    }

    @Test
    void theObjectsHoldOnlyTheProgramsTheExporterAttaches() {
        assertEquals(new TreeSet<>(SchedulerProbes.PROGRAMS.values()), scheduler.programs());
        assertEquals(new TreeSet<>(KernelRunQueue.PROGRAMS), runQueue.programs());
    }

    @Test
    void everyDropReasonHasALabel() {
        assertEquals(SchedulerAbi.DROP_KINDS, SchedulerProbes.DROP_REASONS.size());
        SchedulerProbes.DROP_REASONS.forEach(r -> assertEquals(r, r.toLowerCase().replaceAll("[^a-z_]", ""), "a plain label value"));
    }

    private static void assertLayout(ObjectBtf object, String struct, int size, Map<String, Integer> offsets) {
        ObjectBtf.Layout l = object.struct(struct).orElseThrow(() -> new AssertionError("struct " + struct + " is not in the object's BTF"));
        assertEquals(size, l.size(), "sizeof(struct " + struct + ")");
        assertEquals(new TreeMap<>(offsets), l.offsets(), "struct " + struct + "'s field offsets");
    }
}
