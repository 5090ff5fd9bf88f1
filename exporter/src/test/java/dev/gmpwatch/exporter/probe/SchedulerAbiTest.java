package dev.gmpwatch.exporter.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract between scheduler.bpf.o and the exporter, read from the compiled object's BTF (no
 * root needed): every struct layout SchedulerAbi was generated with, every map SchedulerMaps
 * names, and no program or map the exporter does not use.
 */
class SchedulerAbiTest {
    private static final Path OBJECT = Repo.root().resolve("exporter/target/classes/bpf/scheduler.bpf.o");
    private static final Map<Integer, JsonNode> TYPES = new HashMap<>();

    @BeforeAll
    static void readBtf() throws Exception {
        if (!Files.isRegularFile(OBJECT)) {
            throw new AssertionError(OBJECT + " is missing: the build compiles it (bpf/build.sh)");
        }
        String json = Command.check(List.of("bpftool", "-j", "btf", "dump", "file", OBJECT.toString()), Map.of(), null,
                Duration.ofSeconds(30));
        for (JsonNode t : new ObjectMapper().readTree(json).get("types")) {
            TYPES.put(t.get("id").asInt(), t);
        }
    }

    @Test
    void everyStructHasTheGeneratedLayout() {
        assertLayout("target_cfg", SchedulerAbi.TARGET_CFG_SIZE, Map.of("slot", SchedulerAbi.TARGET_CFG_SLOT_OFFSET,
                "off_waitreason", SchedulerAbi.TARGET_CFG_OFF_WAITREASON_OFFSET, "binary", SchedulerAbi.TARGET_CFG_BINARY_OFFSET));
        assertLayout("binary_cfg", SchedulerAbi.BINARY_CFG_SIZE, Map.of("off_waitreason", SchedulerAbi.BINARY_CFG_OFF_WAITREASON_OFFSET));
        assertLayout("g_key", SchedulerAbi.G_KEY_SIZE, Map.of("tgid", SchedulerAbi.G_KEY_TGID_OFFSET, "pad", SchedulerAbi.G_KEY_PAD_OFFSET,
                "g", SchedulerAbi.G_KEY_G_OFFSET));
        assertLayout("hist", SchedulerAbi.HIST_SIZE, Map.of("buckets", SchedulerAbi.HIST_BUCKETS_OFFSET,
                "sum_ns", SchedulerAbi.HIST_SUM_NS_OFFSET));
        assertEquals(SchedulerAbi.HIST_BUCKETS * 8, SchedulerAbi.HIST_SUM_NS_OFFSET, "buckets is HIST_BUCKETS u64s");
    }

    @Test
    void everyMapIsNamedWithItsSizesAndEntries() {
        Map<String, List<Integer>> inObject = new TreeMap<>();
        for (JsonNode sec : TYPES.values()) {
            if (sec.get("kind").asText().equals("DATASEC") && sec.get("name").asText().equals(".maps")) {
                for (JsonNode v : sec.get("vars")) {
                    JsonNode var = TYPES.get(v.get("type_id").asInt());
                    Map<String, Integer> def = new HashMap<>();
                    for (JsonNode m : TYPES.get(var.get("type_id").asInt()).get("members")) {
                        def.put(m.get("name").asText(), m.get("type_id").asInt());
                    }
                    inObject.put(var.get("name").asText(), List.of(def.containsKey("key") ? size(pointee(def.get("key"))) : 0,
                            size(pointee(def.get("value"))), arrayLength(pointee(def.get("max_entries")))));
                }
            }
        }
        Map<String, List<Integer>> declared = new TreeMap<>();
        for (SchedulerMaps m : SchedulerMaps.values()) {
            declared.put(m.bpfName(), List.of(m.keySize(), m.valueSize(), m.maxEntries()));
        }
        assertEquals(declared, inObject, "maps by name: key size, value size, max entries");
    }

    @Test
    void theObjectHoldsOnlyTheProgramsTheExporterAttaches() {
        TreeSet<String> programs = new TreeSet<>();
        TYPES.values().stream().filter(t -> t.get("kind").asText().equals("FUNC")).forEach(t -> programs.add(t.get("name").asText()));
        assertEquals(new TreeSet<>(SchedulerProbes.PROGRAMS.values()), programs);
    }

    @Test
    void everyDropReasonHasALabel() {
        assertEquals(SchedulerAbi.DROP_KINDS, SchedulerProbes.DROP_REASONS.size());
        SchedulerProbes.DROP_REASONS.forEach(r -> assertEquals(r, r.toLowerCase().replaceAll("[^a-z_]", ""), "a plain label value"));
    }

    private static void assertLayout(String struct, int size, Map<String, Integer> offsets) {
        JsonNode t = TYPES.values().stream().filter(n -> n.get("kind").asText().equals("STRUCT") && n.get("name").asText().equals(struct))
                .findFirst().orElseThrow(() -> new AssertionError("struct " + struct + " is not in the object's BTF"));
        assertEquals(size, t.get("size").asInt(), "sizeof(struct " + struct + ")");
        Map<String, Integer> inObject = new TreeMap<>();
        for (JsonNode m : t.get("members")) {
            inObject.put(m.get("name").asText(), m.get("bits_offset").asInt() / 8);
        }
        assertEquals(new TreeMap<>(offsets), inObject, "struct " + struct + "'s field offsets");
    }

    /** The type a __type/__uint member's pointer points to. */
    private static JsonNode pointee(int ptrId) {
        JsonNode p = TYPES.get(ptrId);
        if (!p.get("kind").asText().equals("PTR")) {
            throw new AssertionError("map definition member " + ptrId + " is a " + p.get("kind") + ", not a pointer");
        }
        return TYPES.get(p.get("type_id").asInt());
    }

    private static int size(JsonNode t) {
        return switch (t.get("kind").asText()) {
            case "TYPEDEF", "CONST", "VOLATILE" -> size(TYPES.get(t.get("type_id").asInt()));
            default -> t.get("size").asInt();
        };
    }

    private static int arrayLength(JsonNode t) {
        return t.get("nr_elems").asInt();
    }
}
