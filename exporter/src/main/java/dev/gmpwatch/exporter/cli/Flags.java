package dev.gmpwatch.exporter.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Prometheus-style flags: {@code --name value} or {@code --name=value}; some repeat, some are switches. */
final class Flags {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Flags() {
    }

    static Flags parse(String[] args, Set<String> valued, Set<String> switches) throws UsageException {
        Flags f = new Flags();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (switches.contains(name)) {
                if (value != null && !value.equals("true") && !value.equals("false")) {
                    throw new UsageException("--" + name + " takes no value");
                }
                f.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value == null ? "true" : value);
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                f.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown flag --" + name);
            }
        }
        return f;
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String get(String name, String fallback) {
        List<String> v = all(name);
        return v.isEmpty() ? fallback : v.get(v.size() - 1);
    }

    boolean on(String name) {
        return get(name, "false").equals("true");
    }
}
