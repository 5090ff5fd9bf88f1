package dev.gmpwatch.exporter.stacks;

import dev.gmpwatch.exporter.gobinary.StackSymbols.SourceFrame;
import dev.gmpwatch.exporter.pprof.proto.Function;
import dev.gmpwatch.exporter.pprof.proto.Label;
import dev.gmpwatch.exporter.pprof.proto.Line;
import dev.gmpwatch.exporter.pprof.proto.Location;
import dev.gmpwatch.exporter.pprof.proto.Mapping;
import dev.gmpwatch.exporter.pprof.proto.Profile;
import dev.gmpwatch.exporter.pprof.proto.Sample;
import dev.gmpwatch.exporter.pprof.proto.ValueType;
import dev.gmpwatch.exporter.runtime.GoroutineStack.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A {@link StackProfile} as a pprof goroutine profile (profile.proto, gzipped), shaped like the
 * one the runtime writes: sample type goroutine/count, one sample per distinct stack, one
 * location per physical PC with its inlined frames as lines. Goroutines without a stack (running
 * ones, or ones whose unwind failed at once) get a one-frame sample naming why, so the counts
 * still add up to every goroutine read.
 */
public final class StackPprof {
    private final Profile.Builder profile = Profile.newBuilder();
    private final Map<String, Long> strings = new HashMap<>();
    private final Map<String, Long> functions = new HashMap<>();
    private final Map<Long, Long> locations = new HashMap<>();

    private StackPprof() {
        string("");
    }

    public static void write(StackProfile p, String exePath, OutputStream out) throws IOException {
        GZIPOutputStream gz = new GZIPOutputStream(out);
        new StackPprof().build(p, exePath).writeTo(gz);
        gz.finish();
        gz.flush();
    }

    private Profile build(StackProfile p, String exePath) {
        ValueType goroutines = ValueType.newBuilder().setType(string("goroutine")).setUnit(string("count")).build();
        profile.addSampleType(goroutines).setPeriodType(goroutines).setPeriod(1).setTimeNanos(p.readAtEpochNanos());
        profile.addMapping(Mapping.newBuilder().setId(1).setFilename(string(exePath)).setHasFunctions(true)
                .setHasFilenames(true).setHasLineNumbers(true).setHasInlineFrames(true));
        profile.addComment(string("read from outside by gmpwatch: pid " + p.pid() + ", " + p.stats().goroutines()
                + " goroutines, " + p.stats().bytesRead() + " bytes in " + p.stats().nanos() / 1000 + " us"));
        for (StackProfile.Group g : p.groups()) {
            Sample.Builder s = Sample.newBuilder().addValue(g.count());
            g.labels().forEach((k, v) -> s.addLabel(Label.newBuilder().setKey(string(k)).setStr(string(v))));
            double longest = p.longestWaitSeconds(g);
            if (!Double.isNaN(longest)) { // the group's longest wait, from the runtime's waitsince or the walks' history
                s.addLabel(Label.newBuilder().setKey(string("longest_wait")).setNum(Math.round(longest))
                        .setNumUnit(string("seconds")));
            }
            for (Frame f : g.frames()) {
                if (f.function().equals("runtime.goexit")) {
                    break; // as the runtime's profiles end: goexit is where every goroutine returns to
                }
                if (!f.lines().isEmpty()) {
                    s.addLocationId(location(f));
                }
            }
            if (g.problem() != null) {
                s.addLocationId(pseudoLocation("gmpwatch: " + (g.frames().isEmpty() ? "no stack: " : "stack stops here: ")
                        + g.problem()));
            }
            profile.addSample(s);
        }
        return profile.build();
    }

    private long location(Frame f) {
        Long id = locations.get(f.pc());
        if (id != null) {
            return id;
        }
        id = (long) profile.getLocationCount() + 1;
        Location.Builder l = Location.newBuilder().setId(id).setMappingId(1).setAddress(f.pc());
        for (SourceFrame sf : f.lines()) {
            l.addLine(Line.newBuilder().setFunctionId(function(sf.function(), sf.file())).setLine(sf.line()));
        }
        profile.addLocation(l);
        locations.put(f.pc(), id);
        return id;
    }

    /** A location with no address, for what is not code: pprof shows its function name. */
    private long pseudoLocation(String name) {
        long id = profile.getLocationCount() + 1;
        profile.addLocation(Location.newBuilder().setId(id).addLine(Line.newBuilder().setFunctionId(function(name, ""))));
        return id;
    }

    private long function(String name, String file) {
        return functions.computeIfAbsent(name + "\u0000" + file, k -> {
            long id = profile.getFunctionCount() + 1;
            profile.addFunction(Function.newBuilder().setId(id).setName(string(name)).setSystemName(string(name))
                    .setFilename(string(file)));
            return id;
        });
    }

    private long string(String s) {
        return strings.computeIfAbsent(s, k -> {
            profile.addStringTable(k);
            return (long) profile.getStringTableCount() - 1;
        });
    }
}
