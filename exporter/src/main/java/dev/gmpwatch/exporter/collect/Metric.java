package dev.gmpwatch.exporter.collect;

import io.prometheus.client.Collector.Type;
import java.util.List;

/**
 * One metric family, declared once: the name its samples carry, its type, its help, and the labels
 * it adds. A collector serves only the families it declares, and the metric reference in
 * docs/metrics.md is generated from these declarations.
 *
 * @param name       as served: a counter's ends in {@code _total}, an info's in {@code _info}
 * @param labels     the labels beyond a process's own ({@code le} of a histogram is implied)
 * @param perProcess whether each series also carries the process's labels (pid, exe, container, pod)
 */
public record Metric(String name, Type type, String help, List<String> labels, boolean perProcess) {
    public Metric {
        String suffix = type == Type.COUNTER ? "_total" : type == Type.INFO ? "_info" : "";
        if (!name.startsWith("gmpwatch_") || !name.endsWith(suffix)) {
            throw new IllegalArgumentException(name + ": a " + type + " is named gmpwatch_*" + suffix);
        }
        labels = List.copyOf(labels);
    }

    static Metric counter(String name, String help, String... labels) {
        return new Metric(name, Type.COUNTER, help, List.of(labels), true);
    }

    static Metric gauge(String name, String help, String... labels) {
        return new Metric(name, Type.GAUGE, help, List.of(labels), true);
    }

    static Metric histogram(String name, String help) {
        return new Metric(name, Type.HISTOGRAM, help, List.of(), true);
    }

    static Metric info(String name, String help, String... labels) {
        return new Metric(name, Type.INFO, help, List.of(labels), true);
    }

    /** The same family about the exporter itself: no process labels. */
    Metric exporterWide() {
        return new Metric(name, type, help, labels, false);
    }

    /** The family's name in the exposition's HELP and TYPE lines: without _total or _info. */
    String familyName() {
        return switch (type) {
            case COUNTER -> name.substring(0, name.length() - "_total".length());
            case INFO -> name.substring(0, name.length() - "_info".length());
            default -> name;
        };
    }
}
