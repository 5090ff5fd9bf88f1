package dev.gmpwatch.exporter.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** Inflates SHF_COMPRESSED (Elf64_Chdr + zlib) and legacy .zdebug_ ("ZLIB" + size) sections. */
final class SectionDecompressor {
    /** zlib's largest expansion. */
    private static final long MAX_RATIO = 1032;
    private static final int INITIAL_BUFFER = 1 << 20;
    private static final int ELFCOMPRESS_ZLIB = 1;
    private static final int ELFCOMPRESS_ZSTD = 2;
    private static final long MAX_SIZE = 1L << 30;

    private SectionDecompressor() {
    }

    static ByteBuffer decompress(ElfSection s, ByteBuffer raw) throws ElfFormatException {
        long size;
        int start;
        if (s.isCompressed()) {
            if (raw.remaining() < 24) {
                throw new ElfFormatException(s.name() + ": truncated compression header");
            }
            int chType = raw.getInt(raw.position());
            if (chType == ELFCOMPRESS_ZSTD) {
                throw new ElfFormatException(s.name() + ": zstd-compressed sections are not supported");
            }
            if (chType != ELFCOMPRESS_ZLIB) {
                throw new ElfFormatException(s.name() + ": unknown compression type " + chType);
            }
            size = raw.getLong(raw.position() + 8);
            start = 24;
        } else {
            if (raw.remaining() < 12 || raw.get(0) != 'Z' || raw.get(1) != 'L' || raw.get(2) != 'I' || raw.get(3) != 'B') {
                return raw;
            }
            size = raw.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(4);
            start = 12;
        }
        long compressed = raw.remaining() - start;
        // zlib expands at most 1032:1: a larger claim is a lie, and must not be allocated.
        if (size < 0 || size > MAX_SIZE || size > compressed * MAX_RATIO + 64) {
            throw new ElfFormatException(s.name() + ": implausible uncompressed size " + size + " for " + compressed + " bytes");
        }
        byte[] in = new byte[(int) compressed];
        raw.get(raw.position() + start, in);
        // Grow with what really comes out, up to the claimed size.
        byte[] out = new byte[(int) Math.min(size, INITIAL_BUFFER)];
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in);
            int n = 0;
            while (n < size && !inflater.finished()) {
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, (int) Math.min(size, (long) out.length * 2));
                }
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != size) {
                throw new ElfFormatException(s.name() + ": compressed data ends early");
            }
        } catch (DataFormatException e) {
            throw new ElfFormatException(s.name() + ": corrupt compressed data");
        } finally {
            inflater.end();
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }
}
