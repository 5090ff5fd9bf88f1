package dev.gmpwatch.exporter.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The goroutines a Go program prints to stderr when SIGQUIT (or SIGABRT) kills it: the ground
 * truth every Go binary carries, whether or not it serves net/http/pprof. The dump is at crash
 * level: it shows the runtime's own goroutines and the compiler's wrappers, which the goroutine
 * profile hides; {@link Goroutine#system()} and the caller's wrapper names drop them again.
 */
public final class GoroutineDump {
    /** "goroutine 18 [chan receive, 12 minutes]:", with "gp=... m=... mp=..." between at crash level since Go 1.22. */
    private static final Pattern HEADER = Pattern.compile("^goroutine (\\d+)(?: gp=\\S+ m=\\S+(?: mp=\\S+)?)? \\[([^\\]]*)\\]:$");
    /** "\t/src/file.go:17 +0x25 fp=0x... sp=0x... pc=0x481725"; inlined frames have the position only. */
    private static final Pattern POSITION = Pattern.compile("^\\t(.*):(\\d+)(?: \\+0x[0-9a-f]+)?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=(0x[0-9a-f]+))?$");
    private static final Pattern MINUTES = Pattern.compile("(\\d+) minutes");
    /** The runtime prints this many frames of a goroutine at most, then "...additional frames elided...". */
    public static final int MAX_FRAMES = 100;
    private static final java.util.Set<String> USER_RUNTIME_ENTRIES = java.util.Set.of("runtime.main", "runtime.corostart",
            "runtime.handleAsyncEvent");

    /**
     * One printed frame.
     *
     * @param pc the physical frame's PC as printed (a return address for callers), or -1 for an inlined frame
     */
    public record Frame(String function, String file, int line, long pc) {
        /** As the tests' pprof reader prints a frame. */
        public String text() {
            return function + " " + file + ":" + line;
        }
    }

    /**
     * One goroutine of the dump.
     *
     * @param state       the wait reason or status in its header ("chan receive", "running", "syscall")
     * @param waitMinutes how long the runtime says it has waited, when it says
     * @param frames      innermost first, the runtime's frames and wrappers included, runtime.goexit last
     * @param elided      the runtime printed only its first {@link #MAX_FRAMES} frames
     * @param createdBy   the function whose go statement started it ("" for the main goroutine)
     */
    public record Goroutine(long id, String state, OptionalLong waitMinutes, List<Frame> frames, boolean elided,
            String createdBy, boolean lockedToThread) {
        /** Its entry function: the outermost frame below runtime.goexit. */
        public String entry() {
            for (int i = frames.size() - 1; i >= 0; i--) {
                if (!frames.get(i).function().equals("runtime.goexit")) {
                    return frames.get(i).function();
                }
            }
            return "";
        }

        /**
         * One of the runtime's own goroutines, which the profile and gmpwatch's counts leave out:
         * the runtime's rule (isSystemGoroutine) is an entry in package runtime other than the
         * few that run user code.
         */
        public boolean system() {
            String e = entry();
            return id == 0 || (e.startsWith("runtime.") && !USER_RUNTIME_ENTRIES.contains(e));
        }
    }

    private final List<Goroutine> goroutines;

    private GoroutineDump(List<Goroutine> goroutines) {
        this.goroutines = goroutines;
    }

    public List<Goroutine> goroutines() {
        return goroutines;
    }

    /** The user's goroutines, as the profile counts them. */
    public List<Goroutine> user() {
        return goroutines.stream().filter(g -> !g.system()).toList();
    }

    public static GoroutineDump parse(String stderr) {
        List<Goroutine> out = new ArrayList<>();
        String[] lines = stderr.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher h = HEADER.matcher(lines[i]);
            if (!h.matches()) {
                continue;
            }
            long id = Long.parseLong(h.group(1));
            String[] header = h.group(2).split(", ");
            String state = header[0];
            OptionalLong minutes = OptionalLong.empty();
            boolean locked = false;
            for (int k = 1; k < header.length; k++) {
                Matcher m = MINUTES.matcher(header[k]);
                if (m.matches()) {
                    minutes = OptionalLong.of(Long.parseLong(m.group(1)));
                }
                locked |= header[k].equals("locked to thread");
            }
            List<Frame> frames = new ArrayList<>();
            boolean elided = false;
            String createdBy = "";
            int j = i + 1;
            for (; j < lines.length && !lines[j].isEmpty(); j++) {
                String l = lines[j];
                if (l.startsWith("...additional frames elided...")) {
                    elided = true;
                } else if (l.startsWith("created by ")) {
                    createdBy = l.substring("created by ".length()).replaceFirst(" in goroutine \\d+$", "");
                    j++; // its position
                } else if (!l.startsWith("\t") && j + 1 < lines.length) {
                    Matcher p = POSITION.matcher(lines[j + 1]);
                    if (p.matches()) {
                        long pc = p.group(3) == null ? -1 : Long.parseUnsignedLong(p.group(3).substring(2), 16);
                        frames.add(new Frame(functionName(l), p.group(1), Integer.parseInt(p.group(2)), pc));
                        j++;
                    }
                }
            }
            out.add(new Goroutine(id, state, minutes, List.copyOf(frames), elided, createdBy, locked));
            i = j;
        }
        return new GoroutineDump(List.copyOf(out));
    }

    /** "main.(*T).run(0xc000010000, {0x4a1b20, 0x3})" → "main.(*T).run": arguments never hold parentheses. */
    static String functionName(String call) {
        if (!call.endsWith(")")) {
            return call;
        }
        int open = call.lastIndexOf('(');
        return open <= 0 ? call : call.substring(0, open);
    }
}
