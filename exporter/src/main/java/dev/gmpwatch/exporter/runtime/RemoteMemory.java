package dev.gmpwatch.exporter.runtime;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.host.Procfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Another process's memory, read with positional reads of /proc/PID/mem. Nothing is stopped, so
 * every value read is untrusted: callers range-check it. Reads are bounded by {@link #MAX_READ}.
 */
public final class RemoteMemory implements AutoCloseable {
    /** The largest single read: the biggest runtime struct we copy (schedt with its histograms) is ~20 KB. */
    static final int MAX_READ = 1 << 20;
    /**
     * User-space addresses are below 2^47 on x86-64 and 2^48 on arm64 (48-bit VA). It is the host's
     * limit that counts: an emulated guest lives in its emulator's address space.
     */
    static final long MAX_ADDRESS = Machine.host().orElse(Machine.AMD64) == Machine.ARM64 ? 1L << 48 : 1L << 47;

    private final FileChannel mem;
    private final long pid;
    private final boolean image;
    private long bytesRead;

    private RemoteMemory(FileChannel mem, long pid, boolean image) {
        this.mem = mem;
        this.pid = pid;
        this.image = image;
    }

    /**
     * A memory image in a (sparse) file, offsets being addresses: for tests and fuzzing of the
     * readers' validation without a live process. Reads go through it alone.
     */
    public static RemoteMemory ofImage(Path file) throws SnapshotException {
        try {
            return new RemoteMemory(FileChannel.open(file, StandardOpenOption.READ), -1, true);
        } catch (IOException e) {
            throw new SnapshotException(SnapshotException.Kind.UNREADABLE, "cannot open " + file + ": " + e.getMessage());
        }
    }

    /** The process read, or -1 for an image file. */
    long pid() {
        return pid;
    }

    /** Whether this reads an image file rather than a process (no process to read vectored). */
    boolean image() {
        return image;
    }

    public static RemoteMemory open(Procfs proc, long pid) throws SnapshotException {
        try {
            return new RemoteMemory(proc.openMemory(pid), pid, false);
        } catch (NoSuchFileException e) {
            throw new SnapshotException(SnapshotException.Kind.GONE, "pid " + pid + " is gone");
        } catch (IOException | SecurityException e) {
            throw new SnapshotException(SnapshotException.Kind.UNREADABLE,
                    "cannot open " + proc.describe(pid, "mem") + ": " + e.getMessage() + " (needs CAP_SYS_PTRACE)");
        }
    }

    /** Reads {@code length} bytes at {@code address} into a little-endian buffer. */
    public ByteBuffer read(long address, int length) throws SnapshotException {
        ByteBuffer buf = ByteBuffer.allocate(checkedLength(address, length)).order(ByteOrder.LITTLE_ENDIAN);
        readInto(address, buf);
        return buf.flip();
    }

    /** Fills {@code dst} from {@code address} (position to limit); the caller owns the buffer. */
    public void readInto(long address, ByteBuffer dst) throws SnapshotException {
        checkedLength(address, dst.remaining());
        long at = address;
        int emptyReads = 0;
        try {
            while (dst.hasRemaining()) {
                int n = mem.read(dst, at);
                if (n <= 0) {
                    // The kernel returns nothing now and then for a mapped page while the target
                    // remaps its heap; a few more tries settle it, an unmapped page fails each time.
                    if (++emptyReads > 3) {
                        throw new SnapshotException(SnapshotException.Kind.UNREADABLE, "short read at 0x" + Long.toHexString(at));
                    }
                    continue;
                }
                at += n;
                bytesRead += n;
            }
        } catch (IOException e) {
            // EIO for an unmapped address; ESRCH once the process is gone.
            throw new SnapshotException(SnapshotException.Kind.UNREADABLE,
                    "cannot read 0x" + Long.toHexString(at) + " of pid " + pid + ": " + e.getMessage());
        }
    }

    public long readLong(long address) throws SnapshotException {
        return read(address, 8).getLong(0);
    }

    public long bytesRead() {
        return bytesRead;
    }

    private static int checkedLength(long address, int length) throws SnapshotException {
        if (address <= 0 || address >= MAX_ADDRESS || length < 0 || length > MAX_READ || address + length > MAX_ADDRESS) {
            throw new SnapshotException(SnapshotException.Kind.IMPLAUSIBLE,
                    "refusing to read " + length + " bytes at 0x" + Long.toHexString(address));
        }
        return length;
    }

    @Override
    public void close() {
        try {
            mem.close();
        } catch (IOException e) {
            // nothing to release beyond the descriptor
        }
    }
}
