package dev.gmpwatch.exporter.stacks;

import dev.gmpwatch.exporter.gobinary.StackSymbols.SourceFrame;
import dev.gmpwatch.exporter.runtime.GoroutineStack.Frame;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The text form of a {@link StackProfile}, laid out like the runtime's
 * {@code /debug/pprof/goroutine?debug=1}: a count and the PCs per stack, then one
 * "#\tPC\tfunction+offset\tfile:line" line per source frame, leading runtime frames and
 * runtime.goexit hidden as the runtime hides them. gmpwatch adds a "# state:" line per group
 * (wait reasons and the longest recorded wait) and a "# stopped:" line where a stack stops short.
 */
public final class StackText {
    private StackText() {
    }

    public static void write(StackProfile p, PrintWriter out) {
        out.printf("goroutine profile: total %d%n", p.total());
        var s = p.stats();
        out.printf("# gmpwatch: pid %d (%s): %d goroutines in %d stacks, %.1f ms, %d bytes read%s%n", p.pid(), p.exe(),
                s.goroutines(), p.groups().size(), s.nanos() / 1e6, s.bytesRead(),
                s.capped() ? "; capped: " + s.goroutines() + " of " + s.allglen() + " gs read" : "");
        for (StackProfile.Group g : p.groups()) {
            out.printf("%d @%s%n", g.count(), g.frames().stream().flatMap(f -> f.lines().stream().map(l -> " 0x" + Long.toHexString(f.pcOf(l))))
                    .collect(Collectors.joining()));
            if (!g.labels().isEmpty()) {
                out.printf("# labels: %s%n", labels(g.labels()));
            }
            out.printf("# state: %s%s%n", states(g.states()), longest(p.longestWaitSeconds(g)));
            if (g.problem() != null) {
                out.printf("# stopped: %s%n", g.problem());
            }
            printFrames(g.frames(), false, out);
            out.println();
        }
        out.flush();
    }

    /** As the runtime's debug=1 profile prints a label set: {"key":"value", ...}, sorted by key. */
    static String labels(java.util.SortedMap<String, String> labels) {
        return labels.entrySet().stream().map(e -> quote(e.getKey()) + ":" + quote(e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
    }

    /** Go's %q for the printable text labels hold; control characters escaped as Go escapes them (\\x1b). */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }

    private static void printFrames(List<Frame> frames, boolean all, PrintWriter out) {
        boolean show = all;
        StringBuilder lines = new StringBuilder();
        for (Frame f : frames) {
            long entry = f.entry();
            for (SourceFrame l : f.lines()) {
                long pc = f.pcOf(l) - 1;
                if (l.function().equals("runtime.goexit") || (!show && l.function().startsWith("runtime."))) {
                    continue;
                }
                show = true;
                lines.append(String.format("#\t0x%x\t%s+0x%x\t%s:%d%n", pc, l.function(), pc - entry, l.file(), l.line()));
            }
        }
        if (!show && !all && !frames.isEmpty()) {
            printFrames(frames, true, out);
            return;
        }
        out.print(lines);
    }

    private static String states(Map<String, Long> states) {
        return states.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String longest(double seconds) {
        return Double.isNaN(seconds) ? "" : String.format("; longest wait at least %s", humanSeconds(seconds));
    }

    /** A wait age as people read it: seconds under two minutes, minutes under two hours, then hours. */
    public static String humanSeconds(double s) {
        return s < 120 ? String.format("%.0fs", s) : s < 7200 ? String.format("%.0fm", s / 60) : String.format("%.1fh", s / 3600);
    }
}
