package dev.gmpwatch.exporter.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The flags of one command, in the order --help and the docs list them. */
final class FlagTable {
    /** Where --help wraps its lines. */
    private static final int HELP_WIDTH = 100;
    private final String usageHead;
    private final Map<String, Flag> flags = new LinkedHashMap<>();

    /** @param usageHead the usage line before the flags, e.g. {@code gmpwatch-exporter goroutines PID} */
    FlagTable(String usageHead, List<Flag> flags) {
        this.usageHead = usageHead;
        for (Flag f : flags) {
            if (this.flags.put(f.name(), f) != null) {
                throw new IllegalArgumentException("flag --" + f.name() + " declared twice");
            }
        }
    }

    Optional<Flag> flag(String name) {
        return Optional.ofNullable(flags.get(name));
    }

    List<Flag> all() {
        return List.copyOf(flags.values());
    }

    /** One usage line: every flag with its default as the example value. */
    String usage() {
        StringBuilder b = new StringBuilder("usage: ").append(usageHead);
        for (Flag f : flags.values()) {
            b.append(" [--").append(f.name());
            if (!f.isSwitch()) {
                b.append(' ').append(f.defaultValue() != null ? f.defaultValue() : f.metavar());
            }
            b.append(f.repeated() ? "]..." : "]");
        }
        return b.toString();
    }

    /** The usage line, then one aligned line per flag with its default. */
    String help() {
        int width = flags.values().stream().mapToInt(f -> f.synopsis().length()).max().orElse(0) + 2;
        StringBuilder b = new StringBuilder("usage: ").append(usageHead).append(" [FLAGS]\n");
        for (Flag f : flags.values()) {
            String text = f.help() + (f.defaultValue() != null ? " (default " + f.defaultValue() + ")" : "")
                    + (f.repeated() ? " (repeatable)" : "");
            b.append("  ").append(String.format("%-" + width + "s", f.synopsis()));
            int column = 2 + width;
            for (String word : text.split(" ")) {
                if (column + word.length() > HELP_WIDTH && column > 2 + width) {
                    b.setLength(b.length() - 1); // the space after the last word of the line
                    b.append('\n').append(" ".repeat(2 + width));
                    column = 2 + width;
                }
                b.append(word).append(' ');
                column += word.length() + 1;
            }
            b.setLength(b.length() - 1);
            b.append('\n');
        }
        return b.toString();
    }

    /** The docs' reference table (docs/exporter.md holds it between markers; a test compares them). */
    String markdown() {
        StringBuilder b = new StringBuilder("| flag | default | meaning |\n|---|---|---|\n");
        for (Flag f : flags.values()) {
            b.append("| `").append(f.synopsis()).append("` | ")
                    .append(f.defaultValue() == null ? "" : "`" + f.defaultValue() + "`").append(" | ")
                    .append(f.help()).append(f.repeated() ? " (repeatable)" : "").append(" |\n");
        }
        return b.toString();
    }
}
