package dev.gmpwatch.exporter.e2e;

import dev.gmpwatch.exporter.testing.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of the text exposition format, queried by metric name and label values. */
public final class Scrape {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private record Line(String name, Map<String, String> labels, double value) {
    }

    final String text;
    private final List<Line> lines = new ArrayList<>();

    Scrape(String text) {
        this.text = text;
        for (String l : text.split("\n")) {
            Matcher m = SAMPLE.matcher(l);
            if (l.startsWith("#") || !m.matches()) {
                continue;
            }
            Map<String, String> labels = new java.util.HashMap<>();
            if (m.group(2) != null) {
                Matcher lm = LABEL.matcher(m.group(2));
                while (lm.find()) {
                    labels.put(lm.group(1), lm.group(2));
                }
            }
            lines.add(new Line(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
    }

    /** The value of the one sample with this name and these labels (pairs: k1, v1, k2, v2 ...). */
    public double value(String name, String... labelPairs) {
        List<Line> hits = find(name, labelPairs);
        if (hits.size() != 1) {
            throw new AssertionError(hits.size() + " samples of " + name + " " + List.of(labelPairs) + " in:\n" + text);
        }
        return hits.get(0).value();
    }

    /** How much the one sample with this name and these labels grew since {@code before}. */
    public double since(Scrape before, String name, String... labelPairs) {
        return value(name, labelPairs) - before.value(name, labelPairs);
    }

    /** Fails unless promtool accepts the exposition as valid metrics. */
    public void checkWithPromtool() throws IOException {
        Path f = Files.createTempFile("gmpwatch-metrics", ".txt");
        Files.writeString(f, text);
        Command.Result r = Command.run(List.of("sh", "-c", "promtool check metrics < " + f), Map.of(), null, Duration.ofSeconds(30));
        Files.delete(f);
        if (r.exitCode() != 0) {
            throw new AssertionError("promtool check metrics:\n" + r.stdout() + r.stderr());
        }
    }

    /** The sum of every sample with this name and these labels (0 when there is none). */
    public double sum(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Line::value).sum();
    }

    boolean has(String name, String... labelPairs) {
        return !find(name, labelPairs).isEmpty();
    }

    private List<Line> find(String name, String... labelPairs) {
        return lines.stream().filter(l -> l.name().equals(name)).filter(l -> {
            for (int i = 0; i + 1 < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(l.labels().get(labelPairs[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
    }
}
