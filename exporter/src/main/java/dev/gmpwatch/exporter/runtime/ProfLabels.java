package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads a goroutine's pprof labels (what {@code pprof.Do} and {@code SetGoroutineLabels} set)
 * from outside. {@code g.labels} points at runtime/pprof's labelMap, whose layout changed:
 * through Go 1.23 it is a {@code map[string]string} (so the pointer is to a map header pointer),
 * since Go 1.24 a struct holding a sorted slice of key/value string pairs.
 *
 * <p>The memory is the target's and untrusted: counts, lengths and bucket numbers are capped,
 * and anything implausible gives no labels rather than wrong ones. A labelMap is immutable once
 * set and shared by every goroutine of a request, so reads are cached per pointer for one pass.
 */
final class ProfLabels {
    static final int MAX_LABELS = 64;
    static final int MAX_STRING = 1024;
    private static final int MAX_BUCKET_LOG2 = 10;
    /** A map[string]string bucket on 64-bit: 8 tophash bytes, 8 keys, 8 values (16 bytes each), the overflow pointer. */
    private static final int BUCKET = 8 + 8 * 16 + 8 * 16 + 8;
    /** The runtime's minTopHash: smaller tophash values mark empty or evacuated cells. */
    private static final int MIN_TOP_HASH = 5;

    private final RemoteMemory mem;
    private final boolean sliceLayout;
    private final Map<Long, SortedMap<String, String>> cache = new HashMap<>();

    /** @param goMinor the Go 1.x minor version of the binary, which decides the layout */
    ProfLabels(RemoteMemory mem, int goMinor) {
        this.mem = mem;
        this.sliceLayout = goMinor >= 24;
    }

    /** The labels at {@code g.labels}, sorted by key; empty for a null pointer or an implausible set. */
    SortedMap<String, String> at(long labels) {
        if (labels == 0) {
            return Collections.emptySortedMap();
        }
        return cache.computeIfAbsent(labels, p -> {
            try {
                return Collections.unmodifiableSortedMap(sliceLayout ? fromSlice(p) : fromMap(p));
            } catch (SnapshotException | RuntimeException e) {
                return Collections.emptySortedMap();
            }
        });
    }

    private SortedMap<String, String> fromSlice(long labelMap) throws SnapshotException {
        ByteBuffer header = words(labelMap, 24);
        long data = header.getLong(0);
        long len = header.getLong(8);
        long cap = header.getLong(16);
        SortedMap<String, String> out = new TreeMap<>();
        if (len <= 0 || len > MAX_LABELS || cap < len || data == 0) {
            return out;
        }
        ByteBuffer pairs = words(data, (int) len * 32);
        for (int i = 0; i < len; i++) {
            out.put(string(pairs, i * 32), string(pairs, i * 32 + 16));
        }
        return out;
    }

    private SortedMap<String, String> fromMap(long labelMap) throws SnapshotException {
        long hmap = words(labelMap, 8).getLong(0);
        SortedMap<String, String> out = new TreeMap<>();
        if (hmap == 0) {
            return out;
        }
        ByteBuffer h = words(hmap, 48);
        long count = h.getLong(0);
        int b = h.get(9) & 0xff;
        long buckets = h.getLong(16);
        long oldBuckets = h.getLong(24);
        if (count <= 0 || count > MAX_LABELS || b > MAX_BUCKET_LOG2 || buckets == 0 || oldBuckets != 0) {
            return out; // a labelMap is built once and never grows afterwards: growth means a torn read
        }
        for (long i = 0; i < (1L << b); i++) {
            long bucket = buckets + i * BUCKET;
            for (int chain = 0; bucket != 0 && chain <= MAX_LABELS; chain++) {
                ByteBuffer cell = words(bucket, BUCKET);
                for (int k = 0; k < 8; k++) {
                    if ((cell.get(k) & 0xff) >= MIN_TOP_HASH) {
                        out.put(string(cell, 8 + k * 16), string(cell, 8 + 128 + k * 16));
                    }
                }
                bucket = cell.getLong(BUCKET - 8);
            }
        }
        return out.size() == count ? out : new TreeMap<>();
    }

    private String string(ByteBuffer b, int at) throws SnapshotException {
        long ptr = b.getLong(at);
        long len = b.getLong(at + 8);
        if (len == 0) {
            return "";
        }
        if (len < 0 || len > MAX_STRING || ptr == 0) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible label string of " + len + " bytes");
        }
        ByteBuffer s = mem.read(ptr, (int) len);
        byte[] bytes = new byte[(int) len];
        s.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private ByteBuffer words(long addr, int len) throws SnapshotException {
        ByteBuffer b = mem.read(addr, len).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < len) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "short read at 0x" + Long.toHexString(addr));
        }
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
