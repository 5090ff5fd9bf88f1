package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LastError;
import jnr.ffi.Pointer;

/**
 * A fixed set of spans of another process, of any sizes, read again and again into one direct
 * buffer: one process_vm_readv per {@link VectoredReads#BATCH} spans, and nothing allocated per
 * read, so a sampler can read every few milliseconds without feeding the GC. The iovecs are built
 * once. Where the kernel refuses the call (a seccomp profile), each span is read from /proc/PID/mem.
 */
final class ScatterRead {
    private final int pid;
    private final long[] addresses;
    private final int[] lengths;
    private final int[] offsets;
    private final int size;
    private final ByteBuffer data;
    private final Chunk[] chunks;
    private final RemoteMemory fallback;
    private boolean refused;

    /** One process_vm_readv: its first span, span count, bytes, and its two iovec arrays. */
    private record Chunk(int first, int count, long bytes, Pointer local, Pointer remote) {
    }

    /** @param spans address and length pairs, in the order their bytes will lie in {@link #data()} */
    ScatterRead(long pid, long[] spans, RemoteMemory fallback) throws SnapshotException {
        int n = spans.length / 2;
        this.pid = (int) pid;
        this.fallback = fallback;
        this.refused = fallback.image();
        this.addresses = new long[n];
        this.lengths = new int[n];
        this.offsets = new int[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            long address = spans[2 * i];
            long length = spans[2 * i + 1];
            if (address <= 0 || length <= 0 || length > RemoteMemory.MAX_READ || address >= RemoteMemory.MAX_ADDRESS - length) {
                throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE,
                        "refusing to read " + length + " bytes at 0x" + Long.toHexString(address));
            }
            addresses[i] = address;
            lengths[i] = (int) length;
            offsets[i] = at;
            at += (int) length;
        }
        this.size = at;
        this.data = ByteBuffer.allocateDirect(Math.max(1, at)).order(ByteOrder.LITTLE_ENDIAN);
        long dataAddress = Pointer.wrap(VectoredReads.RUNTIME, data).address();
        int chunkCount = (n + VectoredReads.BATCH - 1) / VectoredReads.BATCH;
        this.chunks = new Chunk[chunkCount];
        for (int c = 0; c < chunkCount; c++) {
            int first = c * VectoredReads.BATCH;
            int count = Math.min(VectoredReads.BATCH, n - first);
            ByteBuffer remote = ByteBuffer.allocateDirect(16 * count).order(ByteOrder.nativeOrder());
            long bytes = 0;
            for (int i = 0; i < count; i++) {
                remote.putLong(16 * i, addresses[first + i]);
                remote.putLong(16 * i + 8, lengths[first + i]);
                bytes += lengths[first + i];
            }
            ByteBuffer local = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
            local.putLong(0, dataAddress + offsets[first]);
            local.putLong(8, bytes);
            chunks[c] = new Chunk(first, count, bytes, Pointer.wrap(VectoredReads.RUNTIME, local),
                    Pointer.wrap(VectoredReads.RUNTIME, remote));
        }
    }

    /**
     * Reads every span again. False when one could not be read whole (unmapped meanwhile, or a
     * torn mapping); GONE once the process has exited.
     */
    boolean read() throws SnapshotException {
        if (refused) {
            return readEach();
        }
        for (Chunk c : chunks) {
            long got = VectoredReads.LIBC.process_vm_readv(pid, c.local(), 1, c.remote(), c.count(), 0);
            if (got == c.bytes()) {
                continue;
            }
            if (got < 0) {
                int errno = LastError.getLastError(VectoredReads.RUNTIME);
                if (errno == VectoredReads.ESRCH) {
                    throw new SnapshotException(SnapshotException.Kind.GONE, "pid " + pid + " is gone");
                }
                if (errno == VectoredReads.EPERM || errno == VectoredReads.ENOSYS) {
                    refused = true;
                    return readEach();
                }
            }
            return false;
        }
        return true;
    }

    private boolean readEach() {
        for (int i = 0; i < addresses.length; i++) {
            try {
                fallback.readInto(addresses[i], data.duplicate().order(ByteOrder.LITTLE_ENDIAN)
                        .limit(offsets[i] + lengths[i]).position(offsets[i]));
            } catch (SnapshotException e) {
                return false;
            }
        }
        return true;
    }

    /** Every span's bytes, little-endian, one after another; valid after a read that returned true. */
    ByteBuffer data() {
        return data;
    }

    /** Where span {@code i} starts in {@link #data()}. */
    int offset(int i) {
        return offsets[i];
    }

    /** Bytes one read copies. */
    int size() {
        return size;
    }

    /** Takes the /proc/PID/mem path from now on, as when the kernel refuses; for tests of that path. */
    void forceOneByOne() {
        refused = true;
    }
}
