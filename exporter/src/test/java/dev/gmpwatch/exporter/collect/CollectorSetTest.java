package dev.gmpwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Collectors run in order, a failing one costs only its own families, and a disabled one never runs. */
class CollectorSetTest {
    private final List<String> ran = new ArrayList<>();

    private Collector family(String name, String family) {
        return new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                ran.add(name);
                return List.of(new MetricFamilySamples(family, Type.GAUGE, "test", List.of(
                        new MetricFamilySamples.Sample(family, List.of(), List.of(), 1))));
            }
        };
    }

    private Collector failing(String name) {
        return new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                ran.add(name);
                throw new IllegalStateException("the maps are gone");
            }
        };
    }

    @Test
    void aFailingCollectorIsReportedAndTheRestIsServed() {
        CollectorSet set = new CollectorSet(List.of(new CollectorSet.Entry(CollectorSet.STATE, family("state", "a")),
                new CollectorSet.Entry(CollectorSet.PROBES, failing("probes")),
                new CollectorSet.Entry(CollectorSet.KUBERNETES, family("kubernetes", "k"))), Set.of());
        List<MetricFamilySamples> out = set.collect();
        assertEquals(List.of("state", "probes", "kubernetes"), ran, "in the order given");
        assertEquals(List.of("a", "k", "gmpwatch_scrape_collector_duration_seconds", "gmpwatch_scrape_collector_success"),
                out.stream().map(m -> m.name).toList());
        assertEquals(Map.of("state", 1.0, "probes", 0.0, "kubernetes", 1.0), byCollector(out, "gmpwatch_scrape_collector_success"));
        assertEquals(Set.of("state", "probes", "kubernetes"), byCollector(out, "gmpwatch_scrape_collector_duration_seconds").keySet());
    }

    @Test
    void aDisabledCollectorNeverRunsAndOnlyItsFamiliesGo() {
        CollectorSet set = new CollectorSet(List.of(new CollectorSet.Entry(CollectorSet.STATE, family("state", "a")),
                new CollectorSet.Entry(CollectorSet.PROBES, family("probes", "p"))), Set.of(CollectorSet.PROBES));
        List<MetricFamilySamples> out = set.collect();
        assertEquals(List.of("state"), ran);
        assertEquals(List.of("a", "gmpwatch_scrape_collector_duration_seconds", "gmpwatch_scrape_collector_success"),
                out.stream().map(m -> m.name).toList());
        assertEquals(Map.of("state", 1.0), byCollector(out, "gmpwatch_scrape_collector_success"));
    }

    @Test
    void onlyKnownNames() {
        assertThrows(IllegalArgumentException.class, () -> new CollectorSet.Entry("walk", family("x", "x")));
    }

    private static Map<String, Double> byCollector(List<MetricFamilySamples> out, String family) {
        Map<String, Double> m = new TreeMap<>();
        out.stream().filter(f -> f.name.equals(family)).flatMap(f -> f.samples.stream())
                .forEach(s -> m.put(s.labelValues.get(0), s.value));
        return m;
    }
}
