package dev.gmpwatch.remediator.config.tree;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus-style durations: 500ms, 30s, 5m, 1h. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("^(\\d+)(ms|s|m|h)$");

    private Durations() {
    }

    public static Duration parse(String key, String value) throws ConfigException {
        Matcher m = DURATION.matcher(value == null ? "" : value.strip());
        if (!m.matches()) {
            throw new ConfigException(key, "'" + value + "' is not a duration like 500ms, 30s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
