package dev.gmpwatch.remediator;

import java.util.EnumMap;
import java.util.Map;

/**
 * The remediator's flags: the one place parsing, {@code --help} and the flag reference in
 * docs/remediator.md come from (a test compares the docs with {@link #markdown()}).
 */
enum RemediatorFlags {
    CONFIG("config", "FILE.yml", "the configuration file (required); deploy/remediator.example.yml documents every key"),
    DRY_RUN("dry-run", null, "decide and audit every alert, but pull no lever"),
    INSECURE_NO_AUTH("insecure-no-auth", null, "start without webhook authentication, which is refused otherwise");

    private final String name;
    private final String metavar;
    private final String help;

    RemediatorFlags(String name, String metavar, String help) {
        this.name = name;
        this.metavar = metavar;
        this.help = help;
    }

    String synopsis() {
        return "--" + name + (metavar == null ? "" : " " + metavar);
    }

    static String usage() {
        StringBuilder b = new StringBuilder("usage: gmpwatch-remediator");
        for (RemediatorFlags f : values()) {
            b.append(f == CONFIG ? " " + f.synopsis() : " [" + f.synopsis() + "]");
        }
        return b.toString();
    }

    static String help() {
        StringBuilder b = new StringBuilder(usage()).append('\n');
        for (RemediatorFlags f : values()) {
            b.append(String.format("  %-21s%s%n", f.synopsis(), f.help));
        }
        return b.toString();
    }

    static String markdown() {
        StringBuilder b = new StringBuilder("| flag | meaning |\n|---|---|\n");
        for (RemediatorFlags f : values()) {
            b.append("| `").append(f.synopsis()).append("` | ").append(f.help).append(" |\n");
        }
        return b.toString();
    }

    /** The flags given, each with its value ("true" for a switch); a bad argument is a one-line error. */
    static Map<RemediatorFlags, String> parse(String[] args) {
        Map<RemediatorFlags, String> out = new EnumMap<>(RemediatorFlags.class);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = a.startsWith("--") ? a.substring(2, eq < 0 ? a.length() : eq) : "";
            RemediatorFlags f = byName(name);
            if (f == null) {
                throw new IllegalArgumentException(a.startsWith("--") ? "unknown flag --" + name : "unexpected argument '" + a + "'");
            }
            if (f.metavar == null) {
                if (eq >= 0) {
                    throw new IllegalArgumentException("--" + name + " takes no value");
                }
                out.put(f, "true");
            } else if (eq >= 0) {
                out.put(f, a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                out.put(f, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
        }
        return out;
    }

    private static RemediatorFlags byName(String name) {
        for (RemediatorFlags f : values()) {
            if (f.name.equals(name)) {
                return f;
            }
        }
        return null;
    }
}
