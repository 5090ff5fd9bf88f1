package dev.gmpwatch.exporter.collect;

import java.util.List;
import java.util.Locale;

/** The metric reference in docs/metrics.md, generated from the collectors' declarations. */
public final class MetricReference {
    /** The name of the families every scrape serves, whatever collectors are on. */
    public static final String ALWAYS = "exporter";

    private MetricReference() {
    }

    /** One collector's families as a markdown table. */
    public static String markdown(CollectorName c) {
        return table(c.declared());
    }

    /** The families every scrape serves, as a markdown table. */
    public static String always() {
        return table(ExporterFamilies.DECLARED);
    }

    private static String table(List<Metric> metrics) {
        StringBuilder b = new StringBuilder("| metric | type | per process | meaning |\n|---|---|---|---|\n");
        for (Metric m : metrics) {
            String labels = m.labels().isEmpty() ? "" : "{" + String.join(",", m.labels()) + "}";
            b.append("| `").append(m.name()).append(labels).append("` | ").append(m.type().name().toLowerCase(Locale.ROOT))
                    .append(" | ").append(m.perProcess() ? "yes" : "no").append(" | ").append(m.help().replace("|", "\\|"))
                    .append(" |\n");
        }
        return b.toString();
    }
}
