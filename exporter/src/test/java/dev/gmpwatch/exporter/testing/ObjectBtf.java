package dev.gmpwatch.exporter.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** A compiled BPF object's BTF, as bpftool dumps it: its maps, programs and structs. No root needed. */
public final class ObjectBtf {
    private final Map<Integer, JsonNode> types = new HashMap<>();

    public ObjectBtf(Path object) throws Exception {
        if (!Files.isRegularFile(object)) {
            throw new AssertionError(object + " is missing: the build compiles it (bpf/build.sh)");
        }
        String json = Command.check(List.of("bpftool", "-j", "btf", "dump", "file", object.toString()), Map.of(), null,
                Duration.ofSeconds(30));
        for (JsonNode t : new ObjectMapper().readTree(json).get("types")) {
            types.put(t.get("id").asInt(), t);
        }
    }

    /** Every map by name: key size (0 for none), value size, max entries. */
    public Map<String, List<Integer>> maps() {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (JsonNode sec : types.values()) {
            if (sec.get("kind").asText().equals("DATASEC") && sec.get("name").asText().equals(".maps")) {
                for (JsonNode v : sec.get("vars")) {
                    JsonNode var = types.get(v.get("type_id").asInt());
                    Map<String, Integer> def = new HashMap<>();
                    for (JsonNode m : types.get(var.get("type_id").asInt()).get("members")) {
                        def.put(m.get("name").asText(), m.get("type_id").asInt());
                    }
                    out.put(var.get("name").asText(), List.of(def.containsKey("key") ? size(pointee(def.get("key"))) : 0,
                            size(pointee(def.get("value"))), pointee(def.get("max_entries")).get("nr_elems").asInt()));
                }
            }
        }
        return out;
    }

    /** The names of its programs. */
    public TreeSet<String> programs() {
        TreeSet<String> programs = new TreeSet<>();
        types.values().stream().filter(t -> t.get("kind").asText().equals("FUNC")).forEach(t -> programs.add(t.get("name").asText()));
        return programs;
    }

    /** A struct's size and its fields' byte offsets, when the object has it. */
    public Optional<Layout> struct(String name) {
        return types.values().stream().filter(n -> n.get("kind").asText().equals("STRUCT") && n.get("name").asText().equals(name))
                .findFirst().map(t -> {
                    Map<String, Integer> offsets = new TreeMap<>();
                    for (JsonNode m : t.get("members")) {
                        offsets.put(m.get("name").asText(), m.get("bits_offset").asInt() / 8);
                    }
                    return new Layout(t.get("size").asInt(), offsets);
                });
    }

    /** A struct's size and field offsets. */
    public record Layout(int size, Map<String, Integer> offsets) {
    }

    /** The type a __type/__uint member's pointer points to. */
    private JsonNode pointee(int ptrId) {
        JsonNode p = types.get(ptrId);
        if (!p.get("kind").asText().equals("PTR")) {
            throw new AssertionError("map definition member " + ptrId + " is a " + p.get("kind") + ", not a pointer");
        }
        return types.get(p.get("type_id").asInt());
    }

    private int size(JsonNode t) {
        return switch (t.get("kind").asText()) {
            case "TYPEDEF", "CONST", "VOLATILE" -> size(types.get(t.get("type_id").asInt()));
            default -> t.get("size").asInt();
        };
    }
}
