package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.elf.CString;
import java.nio.ByteBuffer;

/** A read position in a little-endian buffer, with the LEB128 decoders DWARF uses. */
final class Cursor {
    private final ByteBuffer buf;
    int pos;

    Cursor(ByteBuffer buf, int pos) {
        this.buf = buf;
        this.pos = pos;
    }

    int u8() {
        return buf.get(pos++) & 0xff;
    }

    /** Returns the current position and moves past n bytes. */
    int advance(int n) {
        int at = pos;
        pos += n;
        return at;
    }

    /** Skips a block whose length was just read (read it first: "pos += read()" would lose the read). */
    void skipBlock(long length) {
        if (length < 0 || length > buf.limit() - pos) {
            throw new IllegalArgumentException("a block of " + length + " bytes at " + pos + " runs past its section");
        }
        pos += (int) length;
    }

    long offset(int size) {
        return size == 8 ? buf.getLong(advance(8)) : Integer.toUnsignedLong(buf.getInt(advance(4)));
    }

    long uleb() {
        long v = 0;
        int shift = 0;
        while (true) {
            int b = u8();
            if (shift < 64) {
                v |= (long) (b & 0x7f) << shift;
            }
            if (b < 0x80) {
                return v;
            }
            shift += 7;
        }
    }

    long sleb() {
        long v = 0;
        int shift = 0;
        int b;
        do {
            b = u8();
            if (shift < 64) {
                v |= (long) (b & 0x7f) << shift;
            }
            shift += 7;
        } while (b >= 0x80);
        if (shift < 64 && (b & 0x40) != 0) {
            v |= -1L << shift;
        }
        return v;
    }

    String cString(ByteBuffer b) {
        int start = pos;
        while (b.get(pos) != 0) {
            pos++;
        }
        return CString.read(b, start, pos++);
    }
}
