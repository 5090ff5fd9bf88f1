package dev.gmpwatch.exporter.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gmpwatch.exporter.sampling.Scrape;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import io.prometheus.client.Collector.MetricFamilySamples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Collectors run in scrape order, a failing one costs only its own families, and a disabled one never runs. */
class CollectorSetTest {
    private static final Metric A = Metric.gauge("gmpwatch_test_a", "test").exporterWide();
    private static final Metric K = Metric.gauge("gmpwatch_test_k", "test").exporterWide();
    private final List<String> ran = new ArrayList<>();

    private MetricsCollector serving(String name, Metric m) {
        return (scrape, f) -> {
            ran.add(name);
            f.add(m, List.of(), 1);
        };
    }

    private MetricsCollector failingHalfway(String name) {
        return (scrape, f) -> {
            ran.add(name);
            f.add(A, List.of(), 1);
            throw new IllegalStateException("the maps are gone");
        };
    }

    private CollectorSet set(List<CollectorSet.Entry> entries, Set<CollectorName> disabled) {
        return new CollectorSet(entries, disabled, reads -> Scrape.EMPTY, new SelfMetrics()::snapshot, System::nanoTime);
    }

    @Test
    void aFailingCollectorIsReportedAndTheRestIsServed() {
        List<MetricFamilySamples> out = set(List.of(new CollectorSet.Entry(CollectorName.KUBERNETES, serving("kubernetes", K)),
                new CollectorSet.Entry(CollectorName.PROBES, failingHalfway("probes")),
                new CollectorSet.Entry(CollectorName.SCHEDULER, serving("scheduler", A))), Set.of()).collect();
        assertEquals(List.of("scheduler", "probes", "kubernetes"), ran, "in scrape order, whatever the order given");
        assertEquals(List.of("gmpwatch_test_a", "gmpwatch_test_k"), out.stream().map(m -> m.name).filter(n -> n.contains("_test_")).toList(),
                "the failing collector's half-written family is dropped");
        assertEquals(1, out.stream().filter(m -> m.name.equals("gmpwatch_test_a")).findFirst().orElseThrow().samples.size());
        assertEquals(Map.of("scheduler", 1.0, "probes", 0.0, "kubernetes", 1.0), byCollector(out, "gmpwatch_scrape_collector_success"));
        assertEquals(Set.of("scheduler", "probes", "kubernetes"), byCollector(out, "gmpwatch_scrape_collector_duration_seconds").keySet());
    }

    @Test
    void aDisabledCollectorNeverRunsAndOnlyItsFamiliesGo() {
        List<MetricFamilySamples> out = set(List.of(new CollectorSet.Entry(CollectorName.SCHEDULER, serving("scheduler", A)),
                new CollectorSet.Entry(CollectorName.PROBES, serving("probes", K))), Set.of(CollectorName.PROBES)).collect();
        assertEquals(List.of("scheduler"), ran);
        assertEquals(List.of("gmpwatch_test_a"), out.stream().map(m -> m.name).filter(n -> n.contains("_test_")).toList());
        assertEquals(Map.of("scheduler", 1.0), byCollector(out, "gmpwatch_scrape_collector_success"));
    }

    @Test
    void aFamilyIsDeclaredOnceAcrossAllCollectors() {
        Map<String, String> owner = new TreeMap<>();
        for (CollectorName c : CollectorName.values()) {
            for (Metric m : c.declared()) {
                assertEquals(null, owner.put(m.familyName(), c.label()), m.name() + " declared twice");
            }
        }
        for (Metric m : ExporterFamilies.DECLARED) {
            assertEquals(null, owner.put(m.familyName(), "exporter"), m.name() + " declared twice");
        }
    }

    static Map<String, Double> byCollector(List<MetricFamilySamples> out, String family) {
        Map<String, Double> m = new TreeMap<>();
        out.stream().filter(f -> f.name.equals(family)).flatMap(f -> f.samples.stream())
                .forEach(s -> m.put(s.labelValues.get(0), s.value));
        return m;
    }
}
