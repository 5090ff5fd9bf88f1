package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchedProcess;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Live goroutines by creator (the goroutine's entry function), top K plus "other". */
public final class CreatorTable {
    public static final String OTHER = "other";

    /**
     * One creator's live goroutines.
     *
     * @param source          "file:line" of the function, from the pclntab ("" when unknown)
     * @param oldestAgeSeconds age of its oldest live goroutine (NaN when not computed)
     */
    public record Creator(String function, long live, String source, double oldestAgeSeconds) {
    }

    private final SchedulerProbes probes;
    private final int topK;

    public CreatorTable(SchedulerProbes probes, int topK) {
        this.probes = probes;
        this.topK = topK;
    }

    /** Every creator of one process with a live count above zero, largest first. */
    public List<Creator> all(WatchedProcess w) throws BpfException {
        return list(w, probes.creators((int) w.pid()), false);
    }

    /** As {@link #all}, with each creator's source position and the age of its oldest goroutine. */
    public List<Creator> detailed(WatchedProcess w) throws BpfException {
        return list(w, probes.creators((int) w.pid()), true);
    }

    /** @param live the process's live goroutines per creator PC */
    private List<Creator> list(WatchedProcess w, Map<Long, Long> live, boolean detailed) throws BpfException {
        Map<String, Long> byFunction = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (Map.Entry<Long, Long> e : live.entrySet()) {
            if (e.getValue() <= 0) {
                continue;
            }
            String fn = name(w, e.getKey());
            byFunction.merge(fn, e.getValue(), Long::sum);
            if (detailed) {
                long pc = e.getKey() - w.loadBias();
                sources.computeIfAbsent(fn, f -> w.binary().functions().byName(f)
                        .flatMap(g -> w.binary().sourceLine(g.entry()))
                        .or(() -> w.binary().sourceLine(pc)).orElse(""));
            }
        }
        Map<String, Long> oldest = new HashMap<>();
        if (detailed) {
            for (Map.Entry<Long, Long> b : probes.birthsByStartPc((int) w.pid()).entrySet()) {
                oldest.merge(name(w, b.getKey()), b.getValue(), Math::min);
            }
        }
        long now = System.nanoTime(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
        List<Creator> out = new ArrayList<>();
        byFunction.forEach((fn, n) -> out.add(new Creator(fn, n, sources.getOrDefault(fn, ""),
                oldest.containsKey(fn) ? (now - oldest.get(fn)) / 1e9 : Double.NaN)));
        out.sort((a, b) -> a.live() != b.live() ? Long.compare(b.live(), a.live()) : a.function().compareTo(b.function()));
        return out;
    }

    private static String name(WatchedProcess w, long startPc) {
        return w.binary().functions().symbolize(startPc - w.loadBias())
                .map(w.binary()::goroutineEntryName).orElse("unknown");
    }

    /** @param live the process's live goroutines per creator PC, read once per scrape for all processes */
    void samples(WatchedProcess w, Map<Long, Long> live, List<String> proc, List<Sample> family) throws BpfException {
        List<Creator> all = list(w, live, false);
        long other = 0;
        List<String> labels = List.of("pid", "exe", "creator");
        for (int i = 0; i < all.size(); i++) {
            if (i < topK) {
                family.add(new Sample("gmpwatch_goroutines_by_creator", labels,
                        List.of(proc.get(0), proc.get(1), all.get(i).function()), all.get(i).live()));
            } else {
                other += all.get(i).live();
            }
        }
        family.add(new Sample("gmpwatch_goroutines_by_creator", labels, List.of(proc.get(0), proc.get(1), OTHER), other));
    }
}
