package dev.gmpwatch.exporter.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prometheus-style flags: {@code --name value} or {@code --name=value}; some repeat, some are switches. */
final class Flags {
    private final FlagTable table;
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Flags(FlagTable table) {
        this.table = table;
    }

    /** Parses {@code args} against {@code table}; an unknown flag or a missing value is a one-line usage error. */
    static Flags parse(String[] args, FlagTable table) throws UsageException {
        Flags f = new Flags(table);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            int eq = a.indexOf('=');
            String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
            String value = eq < 0 ? null : a.substring(eq + 1);
            Flag flag = table.flag(name).orElseThrow(() -> new UsageException("unknown flag --" + name));
            if (flag.isSwitch()) {
                if (value != null && !value.equals("true") && !value.equals("false")) {
                    throw new UsageException("--" + name + " takes no value");
                }
                f.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value == null ? "true" : value);
            } else {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                f.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        return f;
    }

    List<String> all(String name) {
        return values.getOrDefault(declared(name).name(), List.of());
    }

    /** The last value given, else the table's default (null when the flag has none). */
    String get(String name) {
        List<String> v = all(name);
        return v.isEmpty() ? declared(name).defaultValue() : v.get(v.size() - 1);
    }

    boolean on(String name) {
        List<String> v = all(name);
        return !v.isEmpty() && v.get(v.size() - 1).equals("true");
    }

    private Flag declared(String name) {
        return table.flag(name).orElseThrow(() -> new IllegalArgumentException("--" + name + " is not in the flag table"));
    }
}
