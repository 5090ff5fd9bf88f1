package dev.gmpwatch.exporter.gobinary;

/** A function of the binary: its name and [entry, end) virtual address range. */
public record GoFunction(String name, long entry, long end) {
    public long size() {
        return end - entry;
    }
}
