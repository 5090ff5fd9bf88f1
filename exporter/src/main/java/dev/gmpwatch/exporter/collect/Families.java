package dev.gmpwatch.exporter.collect;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import io.prometheus.client.Collector.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects samples per metric family during one scrape, in a stable order. */
final class Families {
    private record Family(String name, Type type, String help, List<Sample> samples) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();
    /** One series per process gmpwatch looked at. Created on first use, so only one collector owns it. */
    List<Sample> info() {
        return family("gmpwatch_target", Type.INFO,
                "One series per process gmpwatch looked at: its Go version, probe mode and whether its state is read.");
    }

    List<Sample> counter(String name, String help) {
        return family(name, Type.COUNTER, help);
    }

    List<Sample> gauge(String name, String help) {
        return family(name, Type.GAUGE, help);
    }

    List<Sample> histogram(String name, String help) {
        return family(name, Type.HISTOGRAM, help);
    }

    private List<Sample> family(String name, Type type, String help) {
        return families.computeIfAbsent(name, n -> new Family(n, type, help, new ArrayList<>())).samples();
    }

    List<MetricFamilySamples> build() {
        List<MetricFamilySamples> out = new ArrayList<>();
        for (Family f : families.values()) {
            out.add(new MetricFamilySamples(f.name(), f.type(), f.help(), f.samples()));
        }
        return out;
    }
}
