package dev.gmpwatch.exporter.stacks;

import dev.gmpwatch.exporter.pprof.proto.Function;
import dev.gmpwatch.exporter.pprof.proto.Line;
import dev.gmpwatch.exporter.pprof.proto.Location;
import dev.gmpwatch.exporter.pprof.proto.Profile;
import dev.gmpwatch.exporter.pprof.proto.Sample;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * What changed between two goroutine profiles, stack by stack: which stacks grew and which shrank,
 * and by how many goroutines, so that a leak shows as what it is made of. A stack is its frames as
 * "function file:line", inlined calls expanded, so a profile saved by gmpwatch and one served by
 * the runtime's net/http/pprof compare alike.
 */
public final class StackDiff {
    /** Profiles larger than this are refused: a saved goroutine profile is far smaller. */
    public static final int MAX_PROFILE_BYTES = 64 << 20;

    /** One stack whose count changed. */
    public record Change(List<String> frames, long before, long after) {
        public long delta() {
            return after - before;
        }
    }

    private final List<Change> changes;
    private final long before;
    private final long after;

    private StackDiff(List<Change> changes, long before, long after) {
        this.changes = changes;
        this.before = before;
        this.after = after;
    }

    /** The stacks of {@code now} against those of {@code then}, largest change first. */
    public static StackDiff between(Map<List<String>, Long> then, Map<List<String>, Long> now) {
        Set<List<String>> all = new HashSet<>(then.keySet());
        all.addAll(now.keySet());
        List<Change> out = new ArrayList<>();
        for (List<String> s : all) {
            long b = then.getOrDefault(s, 0L);
            long a = now.getOrDefault(s, 0L);
            if (a != b) {
                out.add(new Change(s, b, a));
            }
        }
        out.sort(Comparator.comparingLong((Change c) -> -Math.abs(c.delta())).thenComparing(c -> String.join("\n", c.frames())));
        return new StackDiff(List.copyOf(out), sum(then), sum(now));
    }

    /** Every stack whose count changed, largest change first. */
    public List<Change> changes() {
        return changes;
    }

    public long before() {
        return before;
    }

    public long after() {
        return after;
    }

    /** The stacks of a gzipped goroutine profile (gmpwatch's or the runtime's), with their counts. */
    public static Map<List<String>, Long> stacks(byte[] gzipped) throws IOException {
        if (gzipped.length > MAX_PROFILE_BYTES) {
            throw new IOException("larger than " + (MAX_PROFILE_BYTES >> 20) + " MB; not a goroutine profile");
        }
        Profile p;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            p = Profile.parseFrom(in);
        } catch (IOException e) {
            throw new IOException("not a gzipped pprof profile (" + e.getMessage() + ")");
        }
        if (p.getSampleTypeCount() == 0 || !string(p, p.getSampleType(0).getType()).equals("goroutine")) {
            throw new IOException("a pprof profile, but not of goroutines");
        }
        Map<Long, Location> locations = new HashMap<>();
        p.getLocationList().forEach(l -> locations.put(l.getId(), l));
        Map<Long, Function> functions = new HashMap<>();
        p.getFunctionList().forEach(f -> functions.put(f.getId(), f));
        Map<List<String>, Long> out = new HashMap<>();
        for (Sample s : p.getSampleList()) {
            List<String> frames = new ArrayList<>();
            for (long id : s.getLocationIdList()) {
                Location l = locations.get(id);
                if (l == null) {
                    throw new IOException("a sample names location " + id + ", which the profile does not have");
                }
                for (Line line : l.getLineList()) {
                    Function f = functions.get(line.getFunctionId());
                    if (f == null) {
                        throw new IOException("a location names function " + line.getFunctionId() + ", which the profile does not have");
                    }
                    frames.add(string(p, f.getName()) + " " + string(p, f.getFilename()) + ":" + line.getLine());
                }
            }
            out.merge(List.copyOf(frames), s.getValueCount() == 0 ? 0 : s.getValue(0), Long::sum);
        }
        return out;
    }

    /** The stacks of a profile gmpwatch has just read, as {@link #stacks(byte[])} gives them. */
    public static Map<List<String>, Long> stacks(StackProfile p) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StackPprof.write(p, p.exe(), buf);
        return stacks(buf.toByteArray());
    }

    private static String string(Profile p, long index) throws IOException {
        if (index < 0 || index >= p.getStringTableCount()) {
            throw new IOException("string " + index + " is past the profile's string table");
        }
        return p.getStringTable((int) index);
    }

    private static long sum(Map<List<String>, Long> m) {
        return m.values().stream().mapToLong(Long::longValue).sum();
    }

    /** As text: a header with the totals, then each changed stack, innermost frame first. */
    public void write(String what, PrintWriter out) {
        long grew = changes.stream().filter(c -> c.delta() > 0).count();
        out.printf("goroutine diff of %s: %+d goroutines (%d -> %d), %d stack(s) grew, %d shrank%n", what, after - before,
                before, after, grew, changes.size() - grew);
        for (Change c : changes) {
            out.printf("%n%+d (%d -> %d)%n", c.delta(), c.before(), c.after());
            for (String f : c.frames()) {
                out.printf("#\t%s%n", f);
            }
        }
        out.flush();
    }

    /** As JSON-ready maps. */
    public Map<String, Object> json(String what) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("of", what);
        body.put("before", before);
        body.put("after", after);
        body.put("changes", changes.stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("delta", c.delta());
            m.put("before", c.before());
            m.put("after", c.after());
            m.put("frames", c.frames());
            return m;
        }).toList());
        return body;
    }
}
