package dev.gmpwatch.exporter.collect;

import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.List;

/**
 * The collectors of a scrape, run one after the other in the order given. The client library's
 * registry runs its collectors in hash order, which changes from run to run; the per-event
 * collector must run after the state collector, so that a process the state collector shows as
 * probed always has its per-event series in the same scrape (a rescan may adopt a process
 * between the two).
 */
public final class OrderedCollectors extends Collector {
    private final List<Collector> collectors;

    public OrderedCollectors(List<Collector> collectors) {
        this.collectors = List.copyOf(collectors);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples> out = new ArrayList<>();
        for (Collector c : collectors) {
            out.addAll(c.collect());
        }
        return out;
    }
}
