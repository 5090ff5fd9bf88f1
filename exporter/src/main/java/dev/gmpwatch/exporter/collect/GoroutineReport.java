package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.collect.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.discovery.Target;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The leak-hunting view of one process: every live goroutine grouped by the function it runs. */
public final class GoroutineReport {
    private GoroutineReport() {
    }

    /** The body of /api/v1/goroutines and of {@code goroutines PID --json}. */
    public static Map<String, Object> json(Target t, List<CreatorRow> rows) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pid", t.pid());
        body.put("exe", t.exe());
        body.put("goVersion", t.binary().goVersion());
        body.put("goroutines", rows.stream().mapToLong(CreatorRow::count).sum());
        body.put("creators", rows.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("creator", r.function());
            m.put("count", r.count());
            m.put("source", r.source());
            m.put("goStatement", r.goStatement());
            m.put("states", r.byState());
            m.put("waitReasons", r.byReason());
            m.put("oldestWaitSeconds", Double.isNaN(r.oldestWaitSeconds()) ? null : r.oldestWaitSeconds());
            m.put("longestStuckSeconds", Double.isNaN(r.longestStuckSeconds()) ? null : r.longestStuckSeconds());
            Map<String, Long> stuck = new LinkedHashMap<>();
            for (int i = 0; i < StateMetrics.STUCK_AGES.size(); i++) {
                stuck.put(StateMetrics.STUCK_AGES.get(i), r.stuck().get(i));
            }
            m.put("stuck", stuck);
            return m;
        }).toList());
        return body;
    }

    /**
     * As {@link #json}, each creator with its {@code change} since an earlier walk, and the
     * creators that walk had and this one has not at count 0: which functions' goroutines grew
     * and shrank.
     */
    public static Map<String, Object> json(Target t, List<CreatorRow> rows, List<CreatorRow> earlier) {
        Map<String, Object> body = json(t, rows);
        Map<String, Long> before = new LinkedHashMap<>();
        earlier.forEach(r -> before.merge(r.function(), r.count(), Long::sum));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> creators = new java.util.ArrayList<>((List<Map<String, Object>>) body.get("creators"));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Map<String, Object> c : creators) {
            String fn = (String) c.get("creator");
            seen.add(fn);
            c.put("change", (Long) c.get("count") - before.getOrDefault(fn, 0L));
        }
        before.forEach((fn, n) -> {
            if (!seen.contains(fn)) {
                Map<String, Object> gone = new LinkedHashMap<>();
                gone.put("creator", fn);
                gone.put("count", 0L);
                gone.put("change", -n);
                creators.add(gone);
            }
        });
        body.put("creators", creators);
        body.put("goroutinesBefore", before.values().stream().mapToLong(Long::longValue).sum());
        return body;
    }

    /** A readable table, largest group first. */
    public static void table(Target t, List<CreatorRow> rows, PrintStream out) {
        long total = rows.stream().mapToLong(CreatorRow::count).sum();
        out.printf("pid %d (%s, %s): %d live goroutines in %d groups%n%n", t.pid(), t.exe(), t.binary().goVersion(),
                total, rows.size());
        out.printf("%8s  %-28s %-12s %-28s %s%n", "COUNT", "STATES", "NOT RUN FOR", "WAITING ON", "FUNCTION");
        for (CreatorRow r : rows) {
            // The function goes last: names run long and would push the columns out of line.
            double stuck = Double.isNaN(r.longestStuckSeconds()) ? r.oldestWaitSeconds()
                    : Double.isNaN(r.oldestWaitSeconds()) ? r.longestStuckSeconds() : Math.max(r.longestStuckSeconds(), r.oldestWaitSeconds());
            out.printf("%8d  %-28s %-12s %-28s %s%n", r.count(), counts(r.byState()),
                    Double.isNaN(stuck) ? "-" : humanSeconds(stuck), counts(r.byReason()), r.function());
            if (!r.source().isEmpty()) {
                out.printf("%10s%s%n", "at ", r.source());
            }
            if (!r.goStatement().isEmpty()) {
                out.printf("%10s%s%n", "go at ", r.goStatement());
            }
        }
    }

    private static String counts(Map<String, Long> m) {
        return m.isEmpty() ? "-" : m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    /** "42s", "17m", "3.5h". */
    public static String humanSeconds(double s) {
        return s < 120 ? String.format("%.0fs", s) : s < 7200 ? String.format("%.0fm", s / 60) : String.format("%.1fh", s / 3600);
    }
}
