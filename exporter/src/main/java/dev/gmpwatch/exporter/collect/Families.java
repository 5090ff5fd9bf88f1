package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import io.prometheus.client.Collector.MetricFamilySamples;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The families one collector writes in one scrape, in a stable order. Only declared families go
 * in, each sample with exactly its declared labels.
 */
public final class Families {
    private record Family(Metric metric, List<Sample> samples) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** Serves the family, with no samples yet: its HELP and TYPE appear even when none follow. */
    void declare(Metric m) {
        family(m);
    }

    /** One series of a per-process family that adds no labels. */
    void add(Metric m, ProcessLabels proc, double value) {
        add(m, proc, List.of(), value);
    }

    /** One series of a per-process family, with its own label values in declared order. */
    void add(Metric m, ProcessLabels proc, List<String> values, double value) {
        ProcessLabels l = proc.plus(m.labels(), values);
        family(m).add(new Sample(m.name(), l.names(), l.values(), value));
    }

    /** One series of a family about the exporter itself. */
    void add(Metric m, List<String> values, double value) {
        family(m).add(new Sample(m.name(), m.labels(), values, value));
    }

    /** A histogram's samples, named and labelled by the caller (_bucket with le, _count, _sum). */
    void addHistogram(Metric m, List<Sample> samples) {
        family(m).addAll(samples);
    }

    private List<Sample> family(Metric m) {
        Family f = families.computeIfAbsent(m.familyName(), n -> new Family(m, new ArrayList<>()));
        if (!f.metric().equals(m)) {
            throw new IllegalStateException(m.name() + " is declared twice");
        }
        return f.samples();
    }

    /** The names of the families written so far, as served. */
    List<String> names() {
        return families.values().stream().map(f -> f.metric().name()).toList();
    }

    List<MetricFamilySamples> build() {
        List<MetricFamilySamples> out = new ArrayList<>();
        for (Family f : families.values()) {
            out.add(new MetricFamilySamples(f.metric().familyName(), f.metric().type(), f.metric().help(), f.samples()));
        }
        return out;
    }
}
