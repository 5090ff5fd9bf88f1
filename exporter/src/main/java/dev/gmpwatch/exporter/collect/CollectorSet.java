package dev.gmpwatch.exporter.collect;

import io.prometheus.client.Collector;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Every collector of a scrape, each under a name, run one after the other in the order given.
 * A collector that fails costs its own families only: the rest of the scrape is served, and
 * {@code gmpwatch_scrape_collector_success{collector}} says which one failed. The order matters:
 * the per-event collector runs after the state collector, so that a process the state collector
 * shows as probed always has its per-event series in the same scrape (a rescan may adopt a process
 * between the two; the client library's own registry runs collectors in hash order).
 */
public final class CollectorSet extends Collector {
    /** The scheduler-wide state, the goroutine walk and the kernel's numbers of each served process. */
    public static final String STATE = "state";
    /** The per-event mode's counts from the BPF maps (--probes). */
    public static final String PROBES = "probes";
    /** The pod watch's own health (--kubernetes). */
    public static final String KUBERNETES = "kubernetes";
    /** Every name, in scrape order: the flags --no-collector.NAME come from this list. */
    public static final List<String> NAMES = List.of(STATE, PROBES, KUBERNETES);

    private static final System.Logger LOG = System.getLogger("gmpwatch.collect");

    /** One collector under its name. */
    public record Entry(String name, Collector collector) {
        public Entry {
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("no collector is named " + name);
            }
        }
    }

    private final List<Entry> entries;

    /** @param disabled names turned off with --no-collector.NAME: their collectors never run */
    public CollectorSet(List<Entry> entries, Set<String> disabled) {
        this.entries = entries.stream().filter(e -> !disabled.contains(e.name())).toList();
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples> out = new ArrayList<>();
        List<MetricFamilySamples.Sample> durations = new ArrayList<>();
        List<MetricFamilySamples.Sample> success = new ArrayList<>();
        for (Entry e : entries) {
            long t0 = System.nanoTime();
            boolean ok = true;
            try {
                out.addAll(e.collector().collect());
            } catch (RuntimeException ex) {
                ok = false;
                LOG.log(System.Logger.Level.WARNING, "collector " + e.name() + " failed: " + ex);
            }
            List<String> label = List.of(e.name());
            durations.add(new MetricFamilySamples.Sample("gmpwatch_scrape_collector_duration_seconds", List.of("collector"), label,
                    (System.nanoTime() - t0) / 1e9));
            success.add(new MetricFamilySamples.Sample("gmpwatch_scrape_collector_success", List.of("collector"), label, ok ? 1 : 0));
        }
        out.add(new MetricFamilySamples("gmpwatch_scrape_collector_duration_seconds", Type.GAUGE,
                "How long each collector took in this scrape.", durations));
        out.add(new MetricFamilySamples("gmpwatch_scrape_collector_success", Type.GAUGE,
                "1 when the collector served its families in this scrape, 0 when it failed (the rest of the scrape is served).", success));
        return out;
    }
}
