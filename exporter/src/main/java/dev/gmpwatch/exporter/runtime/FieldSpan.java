package dev.gmpwatch.exporter.runtime;

/**
 * The part of a struct that one read must cover: fields are added by offset and size, and the
 * span is the smallest range holding them all. Absent fields (offset -1) are skipped, and stay -1
 * when made relative.
 */
final class FieldSpan {
    private int low = Integer.MAX_VALUE;
    private int high;

    /** Covers {@code bytes} at {@code offset}; returns the offset, for reading it later. */
    int add(long offset, int bytes) {
        if (offset >= 0) {
            low = Math.min(low, (int) offset);
            high = Math.max(high, (int) offset + bytes);
        }
        return (int) offset;
    }

    /** The span's first offset. */
    int lo() {
        return low;
    }

    int size() {
        return high - low;
    }

    /** An added offset within the span's read, or -1 for an absent field. */
    int relative(int offset) {
        return offset < 0 ? -1 : offset - low;
    }
}
