package dev.gmpwatch.exporter.elf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** NUL-terminated UTF-8 strings inside binary tables. */
public final class CString {
    private CString() {
    }

    /** The string at {@code start}, ending at the first NUL or at {@code limit}. */
    public static String read(ByteBuffer b, int start, int limit) {
        int end = start;
        while (end < limit && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The string at {@code start}, ending at the first NUL or at the buffer's limit. */
    public static String read(ByteBuffer b, int start) {
        return read(b, start, b.limit());
    }
}
