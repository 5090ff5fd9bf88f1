package dev.gmpwatch.exporter.elf;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.types.size_t;

/**
 * Gives back the resident pages of a read-only file mapping (madvise MADV_DONTNEED). Analysing a
 * binary touches much of it; afterwards only a few pages are read again, and they fault back in
 * from the page cache. Without this every analysed binary would stay in the exporter's RSS.
 */
final class MappedPages {
    /** The part of libc used. */
    public interface LibC {
        int madvise(Pointer addr, @size_t long length, int advice);
    }

    private static final int MADV_DONTNEED = 4;
    private static final long PAGE = 4096;
    private static volatile LibC libc;

    private MappedPages() {
    }

    /** Best effort: a failure leaves the pages resident, which is only a matter of memory. */
    static void release(ByteBuffer mapping) {
        if (!mapping.isDirect() || mapping.capacity() == 0) {
            return;
        }
        try {
            LibC c = libc();
            Pointer p = Pointer.wrap(Runtime.getRuntime(c), mapping);
            long start = p.address();
            long alignedStart = (start + PAGE - 1) & -PAGE; // madvise wants a page-aligned start
            long end = start + mapping.capacity();
            if (end > alignedStart) {
                c.madvise(Pointer.wrap(Runtime.getRuntime(c), alignedStart), end - alignedStart, MADV_DONTNEED);
            }
        } catch (RuntimeException | LinkageError e) {
            // no native access here: keep the pages
        }
    }

    private static LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).load("c");
        }
        return libc;
    }
}
