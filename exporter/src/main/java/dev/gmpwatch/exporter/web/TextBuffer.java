package dev.gmpwatch.exporter.web;

import java.io.Writer;

/**
 * An exposition rendered into memory, encoded once when sent: the text format writes a sample in
 * a dozen small pieces, and an encoding writer (or StringWriter's synchronized buffer) pays for
 * each of them.
 */
final class TextBuffer extends Writer {
    private final StringBuilder text = new StringBuilder(64 * 1024);

    @Override
    public void write(char[] buf, int off, int len) {
        text.append(buf, off, len);
    }

    @Override
    public void write(String s, int off, int len) {
        text.append(s, off, off + len);
    }

    @Override
    public void write(int c) {
        text.append((char) c);
    }

    @Override
    public Writer append(CharSequence s) {
        text.append(s);
        return this;
    }

    @Override
    public Writer append(char c) {
        text.append(c);
        return this;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
