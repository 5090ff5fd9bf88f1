package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;

/**
 * A copy of the runtime's timeHistogram (runtime/histogram.go). Two layouts exist: Go 1.17-1.19
 * keep 45 super-buckets of 16 sub-buckets from 0 ns; Go 1.20+ keep 40 of 4, the first covering
 * [0, 256 ns), plus an overflow count. In both, every power of two from 2^8 ns up is a bucket
 * edge, so counts below 2^e ns are exact prefix sums.
 *
 * @param counts    the runtime's buckets, in order
 * @param underflow negative durations (counted below every edge, as runtime/metrics does)
 * @param overflow  durations past the last bucket (Go 1.20+; 0 before)
 */
public record TimeHistogram(long[] counts, long underflow, long overflow) {
    public static final int COUNTS_GO119 = 45 * 16;
    public static final int COUNTS_GO120 = 40 * 4;

    /** Decodes counts, underflow and (when present) overflow from a copy of the struct. */
    static TimeHistogram decode(ByteBuffer b, int offset, int nCounts) throws SnapshotException {
        if (nCounts != COUNTS_GO119 && nCounts != COUNTS_GO120) {
            throw new SnapshotException(SnapshotException.Kind.UNSUPPORTED, "unknown timeHistogram with " + nCounts + " buckets");
        }
        long[] counts = new long[nCounts];
        for (int i = 0; i < nCounts; i++) {
            counts[i] = b.getLong(offset + i * 8);
        }
        long underflow = b.getLong(offset + nCounts * 8);
        long overflow = nCounts == COUNTS_GO120 ? b.getLong(offset + nCounts * 8 + 8) : 0;
        return new TimeHistogram(counts, underflow, overflow);
    }

    /** Bytes the struct occupies. */
    static int size(int nCounts) {
        return nCounts * 8 + (nCounts == COUNTS_GO120 ? 16 : 8);
    }

    /** Observations under 2^log2Nanos ns, for 8 <= log2Nanos <= 47. */
    public long countBelow(int log2Nanos) {
        if (log2Nanos < 8 || log2Nanos > 47) {
            throw new IllegalArgumentException("edge 2^" + log2Nanos + " ns is not a bucket edge");
        }
        int buckets = counts.length == COUNTS_GO119 ? (log2Nanos - 3) * 16 : (log2Nanos - 7) * 4;
        long n = underflow;
        for (int i = 0; i < Math.min(buckets, counts.length); i++) {
            n += counts[i];
        }
        return n;
    }

    public long count() {
        long n = underflow + overflow;
        for (long c : counts) {
            n += c;
        }
        return n;
    }
}
