package dev.gmpwatch.exporter.elf;

/** The file is not an ELF we can read; the message is one line for the user. */
public final class ElfFormatException extends Exception {
    public ElfFormatException(String message) {
        super(message);
    }
}
