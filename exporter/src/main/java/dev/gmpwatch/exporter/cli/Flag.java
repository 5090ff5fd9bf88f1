package dev.gmpwatch.exporter.cli;

/**
 * One command-line flag as parsing, {@code --help} and the docs' flag reference all see it.
 *
 * @param metavar what the value looks like ({@code N}, {@code REGEX}); null for a switch
 * @param defaultValue the value when the flag is absent; null when there is none
 * @param repeated whether the flag may be given more than once, each value kept
 */
record Flag(String name, String metavar, String defaultValue, boolean repeated, String help) {
    static Flag toggle(String name, String help) {
        return new Flag(name, null, null, false, help);
    }

    static Flag value(String name, String metavar, String defaultValue, String help) {
        return new Flag(name, metavar, defaultValue, false, help);
    }

    static Flag repeated(String name, String metavar, String help) {
        return new Flag(name, metavar, null, true, help);
    }

    boolean isSwitch() {
        return metavar == null;
    }

    /** {@code --name METAVAR}, as usage lines show it. */
    String synopsis() {
        return "--" + name + (isSwitch() ? "" : " " + metavar);
    }
}
