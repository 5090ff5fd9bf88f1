package dev.gmpwatch.exporter.elf;

/** One .symtab entry. */
public record ElfSymbol(String name, long value, long size, int type) {
    public static final int STT_OBJECT = 1;
    public static final int STT_FUNC = 2;

    public boolean isFunction() {
        return type == STT_FUNC;
    }
}
