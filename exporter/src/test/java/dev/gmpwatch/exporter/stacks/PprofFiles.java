package dev.gmpwatch.exporter.stacks;

import dev.gmpwatch.exporter.pprof.proto.Function;
import dev.gmpwatch.exporter.pprof.proto.Line;
import dev.gmpwatch.exporter.pprof.proto.Location;
import dev.gmpwatch.exporter.pprof.proto.Profile;
import dev.gmpwatch.exporter.pprof.proto.Sample;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Reads pprof profiles (ours and the runtime's) into comparable stacks. */
final class PprofFiles {
    private PprofFiles() {
    }

    static Profile parse(byte[] gzipped) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return Profile.parseFrom(in);
        }
    }

    /** Each sample's stack as "function file:line" frames, innermost first (inlined calls expanded), with counts summed. */
    static Map<List<String>, Long> stacks(Profile p) {
        return stacks(p, false);
    }

    /** As {@link #stacks(Profile)}, each stack ending in a "labels: k=v, ..." line for its string labels, sorted. */
    static Map<List<String>, Long> stacksWithLabels(Profile p) {
        return stacks(p, true);
    }

    private static Map<List<String>, Long> stacks(Profile p, boolean labels) {
        Map<Long, Location> locations = new HashMap<>();
        p.getLocationList().forEach(l -> locations.put(l.getId(), l));
        Map<Long, Function> functions = new HashMap<>();
        p.getFunctionList().forEach(f -> functions.put(f.getId(), f));
        Map<List<String>, Long> out = new HashMap<>();
        for (Sample s : p.getSampleList()) {
            List<String> frames = new ArrayList<>();
            for (long id : s.getLocationIdList()) {
                for (Line line : locations.get(id).getLineList()) {
                    Function f = functions.get(line.getFunctionId());
                    frames.add(p.getStringTable((int) f.getName()) + " " + p.getStringTable((int) f.getFilename()) + ":" + line.getLine());
                }
            }
            if (labels && s.getLabelCount() > 0) {
                java.util.TreeMap<String, String> set = new java.util.TreeMap<>();
                s.getLabelList().stream().filter(l -> l.getStr() != 0)
                        .forEach(l -> set.put(p.getStringTable((int) l.getKey()), p.getStringTable((int) l.getStr())));
                if (!set.isEmpty()) {
                    frames.add("labels: " + set);
                }
            }
            out.merge(List.copyOf(frames), s.getValue(0), Long::sum);
        }
        return out;
    }
}
