package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.sampling.ProcessSample.CreatorRow;
import dev.gmpwatch.exporter.stacks.StackText;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The leak-hunting view of one process: every live goroutine grouped by the function it runs. */
public final class GoroutineReport {
    private GoroutineReport() {
    }

    /** The body of /api/v1/goroutines and of {@code goroutines PID --json}. */
    public static Map<String, Object> json(Target t, List<CreatorRow> rows) {
        return json(t, rows, null);
    }

    /**
     * As {@link #json(Target, List)}; with an earlier walk's rows (null: none), each creator has
     * its {@code change} since, and the creators that walk had and this one has not are listed at
     * count 0: which functions' goroutines grew and shrank.
     */
    public static Map<String, Object> json(Target t, List<CreatorRow> rows, List<CreatorRow> earlier) {
        Map<String, Long> before = new LinkedHashMap<>();
        if (earlier != null) {
            earlier.forEach(r -> before.merge(r.function(), r.count(), Long::sum));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pid", t.pid());
        body.put("exe", t.exe());
        body.put("goVersion", t.binary().goVersion());
        body.put("goroutines", rows.stream().mapToLong(CreatorRow::count).sum());
        List<Map<String, Object>> creators = new ArrayList<>();
        for (CreatorRow r : rows) {
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
            for (int i = 0; i < WalkCollector.STUCK_AGES.size(); i++) {
                stuck.put(WalkCollector.STUCK_AGES.get(i), r.stuck().get(i));
            }
            m.put("stuck", stuck);
            if (earlier != null) {
                m.put("change", r.count() - before.getOrDefault(r.function(), 0L));
            }
            creators.add(m);
        }
        if (earlier != null) {
            Set<String> now = new HashSet<>();
            rows.forEach(r -> now.add(r.function()));
            before.forEach((fn, n) -> {
                if (!now.contains(fn)) {
                    Map<String, Object> gone = new LinkedHashMap<>();
                    gone.put("creator", fn);
                    gone.put("count", 0L);
                    gone.put("change", -n);
                    creators.add(gone);
                }
            });
            body.put("goroutinesBefore", before.values().stream().mapToLong(Long::longValue).sum());
        }
        body.put("creators", creators);
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
                    Double.isNaN(stuck) ? "-" : StackText.humanSeconds(stuck), counts(r.byReason()), r.function());
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

    /** "42s", "17m", "3.5h". */}
