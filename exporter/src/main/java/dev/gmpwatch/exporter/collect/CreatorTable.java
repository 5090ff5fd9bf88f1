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

    /** One creator's live goroutine count. */
    public record Creator(String function, long live) {
    }

    private final SchedulerProbes probes;
    private final int topK;

    public CreatorTable(SchedulerProbes probes, int topK) {
        this.probes = probes;
        this.topK = topK;
    }

    /** Every creator of one process with a live count above zero, largest first. */
    public List<Creator> all(WatchedProcess w) throws BpfException {
        Map<String, Long> byFunction = new HashMap<>();
        for (Map.Entry<Long, Long> e : probes.creators((int) w.pid()).entrySet()) {
            if (e.getValue() <= 0) {
                continue;
            }
            String fn = w.binary().functions().symbolize(e.getKey() - w.loadBias())
                    .map(w.binary()::goroutineEntryName).orElse("unknown");
            byFunction.merge(fn, e.getValue(), Long::sum);
        }
        List<Creator> out = new ArrayList<>();
        byFunction.forEach((fn, n) -> out.add(new Creator(fn, n)));
        out.sort((a, b) -> a.live() != b.live() ? Long.compare(b.live(), a.live()) : a.function().compareTo(b.function()));
        return out;
    }

    void samples(WatchedProcess w, List<String> proc, List<Sample> family) throws BpfException {
        List<Creator> all = all(w);
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
