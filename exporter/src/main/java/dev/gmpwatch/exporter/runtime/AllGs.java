package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Streams the runtime's allgs: pointers are read 4096 at a time and a window of each g in
 * batches (one process_vm_readv each), so walking a million goroutines holds a few hundred
 * kilobytes. Shared by the census walk and the stack reader.
 */
final class AllGs {
    private static final int POINTER_BATCH = 4096;

    /** Sees one g's window at {@code at} in {@code windows}; returns false to end the walk. */
    interface Visitor {
        boolean visit(ByteBuffer windows, int at, long gp) throws SnapshotException;
    }

    /** What a walk covered: allgs' length, the entries read, the bytes read. */
    record Walked(long allglen, long entries, long bytesRead) {
    }

    private AllGs() {
    }

    /**
     * Visits the gs of the first {@code maxEntries} entries of allgs, each as the window
     * [g + windowLo, g + windowLo + windowSize), {@code perBatch} windows per read.
     */
    static Walked forEach(RemoteMemory mem, RuntimeAddresses at, long pid, int windowLo, int windowSize, long maxEntries,
            int perBatch, Visitor visitor) throws SnapshotException {
        long bytes0 = mem.bytesRead();
        // allglen before allgptr, as the runtime's forEachGRace does: the array holds at least that many.
        long allglen = mem.readLong(at.global("runtime.allglen"));
        long allgptr = mem.readLong(at.global("runtime.allgptr"));
        if (allglen < 0 || allglen > SchedulerReader.MAX_ALLGLEN) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE, "implausible runtime state: allglen " + allglen);
        }
        long n = Math.min(allglen, maxEntries);
        VectoredReads vectored = new VectoredReads(pid, windowSize, mem);
        long[] addresses = new long[perBatch];
        ByteBuffer ptrs = ByteBuffer.allocate(POINTER_BATCH * 8).order(ByteOrder.LITTLE_ENDIAN);
        boolean more = true;
        for (long i = 0; i < n && more; i += POINTER_BATCH) {
            int batch = (int) Math.min(POINTER_BATCH, n - i);
            ptrs.clear().limit(batch * 8);
            mem.readInto(allgptr + i * 8, ptrs);
            for (int from = 0; from < batch && more; from += perBatch) {
                int count = 0;
                for (int j = from; j < Math.min(batch, from + perBatch); j++) {
                    long gp = ptrs.getLong(j * 8);
                    if (gp != 0) {
                        addresses[count++] = gp + windowLo;
                    }
                }
                if (count == 0) {
                    continue;
                }
                VectoredReads.Result r = vectored.read(addresses, count);
                if (r.count() < count) {
                    throw new SnapshotException(SnapshotException.Kind.UNREADABLE,
                            "cannot read the g at 0x" + Long.toHexString(addresses[r.count()] - windowLo) + " of pid " + pid);
                }
                for (int k = 0; k < count && more; k++) {
                    more = visitor.visit(r.windows(), k * windowSize, addresses[k] - windowLo);
                }
            }
        }
        return new Walked(allglen, n, mem.bytesRead() - bytes0 + vectored.bytesRead());
    }
}
