package dev.gmpwatch.exporter.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * Many small reads of another process in one system call (process_vm_readv with up to 1024
 * remote iovecs): the goroutine walk reads one window per g, and a syscall per g would cost it
 * several times more. Needs the same permission as /proc/PID/mem (CAP_SYS_PTRACE). Where a
 * seccomp profile refuses the call, it falls back to one positional read of /proc/PID/mem per
 * window, once and for all.
 */
final class VectoredReads {
    /** IOV_MAX. */
    static final int BATCH = 1024;
    static final int ESRCH = 3;
    static final int ENOSYS = 38;
    static final int EPERM = 1;

    /** The libc function we call. Public only because jnr-ffi implements it from another class loader. */
    public interface LibC {
        @ssize_t
        long process_vm_readv(int pid, Pointer localIov, @size_t long localCount, Pointer remoteIov,
                              @size_t long remoteCount, @size_t long flags);
    }

    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private final int pid;
    private final int window;
    private final Pointer buffer;
    private final Pointer localIov;
    private final Pointer remoteIov;
    private final byte[] copy;
    private final RemoteMemory fallback;
    private boolean refused;
    private long bytesRead;

    VectoredReads(long pid, int window, RemoteMemory fallback) {
        this.fallback = fallback;
        this.pid = (int) pid;
        this.window = window;
        this.buffer = Memory.allocateDirect(RUNTIME, (long) BATCH * window);
        this.localIov = Memory.allocateDirect(RUNTIME, 16);
        this.remoteIov = Memory.allocateDirect(RUNTIME, 16L * BATCH);
        this.copy = new byte[BATCH * window];
        this.refused = fallback.image(); // an image file has no process behind it
    }

    /**
     * Reads {@code window} bytes at each of the first {@code n} addresses. Returns the windows, one
     * after another, in a little-endian buffer, and how many were read whole: the kernel stops at
     * the first address it cannot read.
     */
    Result read(long[] addresses, int n) throws SnapshotException {
        if (n <= 0 || n > BATCH) {
            throw new IllegalArgumentException("1.." + BATCH + " reads at once, not " + n);
        }
        for (int i = 0; i < n; i++) {
            if (addresses[i] <= 0 || addresses[i] >= RemoteMemory.MAX_ADDRESS - window) {
                n = i; // an impossible address ends the batch like an unmapped one
                break;
            }
            remoteIov.putLong(16L * i, addresses[i]);
            remoteIov.putLong(16L * i + 8, window);
        }
        if (n == 0) {
            return new Result(ByteBuffer.allocate(0), 0);
        }
        if (refused) {
            return readOneByOne(addresses, n);
        }
        localIov.putLong(0, buffer.address());
        localIov.putLong(8, (long) n * window);
        long got = LIBC.process_vm_readv(pid, localIov, 1, remoteIov, n, 0);
        if (got < 0) {
            int errno = LastError.getLastError(RUNTIME);
            if (errno == ESRCH) {
                throw new SnapshotException(SnapshotException.Kind.GONE, "pid " + pid + " is gone");
            }
            if (errno == EPERM || errno == ENOSYS) {
                refused = true; // a seccomp profile without process_vm_readv
                return readOneByOne(addresses, n);
            }
            return new Result(ByteBuffer.allocate(0), 0); // EFAULT: the first address is unreadable
        }
        bytesRead += got;
        int whole = (int) (got / window);
        buffer.get(0, copy, 0, whole * window);
        return new Result(ByteBuffer.wrap(copy, 0, whole * window).order(ByteOrder.LITTLE_ENDIAN), whole);
    }

    /** The slow path: a positional read per window; stops at the first that fails, as the kernel does. */
    private Result readOneByOne(long[] addresses, int n) {
        ByteBuffer out = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        int whole = 0;
        for (; whole < n; whole++) {
            try {
                out.clear().position(whole * window).limit((whole + 1) * window);
                fallback.readInto(addresses[whole], out);
            } catch (SnapshotException e) {
                break;
            }
        }
        return new Result(ByteBuffer.wrap(copy, 0, whole * window).order(ByteOrder.LITTLE_ENDIAN), whole);
    }

    /** Takes the slow path from now on, as when the kernel refuses; for tests of that path. */
    void forceOneByOne() {
        refused = true;
    }

    /** Bytes read by process_vm_readv (the slow path's reads are counted by its RemoteMemory). */
    long bytesRead() {
        return bytesRead;
    }

    /** {@code windows} holds {@code count} windows of the batch, from its start. */
    record Result(ByteBuffer windows, int count) {
    }
}
