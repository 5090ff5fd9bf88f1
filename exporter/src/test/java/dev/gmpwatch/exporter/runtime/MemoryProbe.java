package dev.gmpwatch.exporter.runtime;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Feeds the runtime-state readers a synthetic memory image, for the fuzz target: a window of
 * fuzzed bytes at each runtime global of a real binary's layout, and a fuzzed heap. A word whose
 * top 16 bits are 0xc0c0 stands for a pointer into that heap (its low 32 bits an offset), so that
 * fuzzed pointers can lead somewhere: to allgs, Ps, gs and goroutine stacks.
 */
public final class MemoryProbe {
    static final long HEAP = 0xc000000000L;
    static final int HEAP_SIZE = 1 << 16;
    static final int WINDOW = 4096;

    private MemoryProbe() {
    }

    /** Reads the scheduler, walks the goroutines and unwinds their stacks from the image built of {@code windows} and {@code heap}. */
    public static void exercise(GoBinary bin, Path image, byte[][] windows, byte[] heap) throws SnapshotException, IOException {
        RuntimeAddresses at = RuntimeAddresses.of(bin, 0);
        List<String> globals = List.of("runtime.sched", "runtime.allp", "runtime.allglen", "runtime.allgptr",
                "runtime.gomaxprocs", "runtime.memstats");
        try (FileChannel f = FileChannel.open(image, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < globals.size() && i < windows.length; i++) {
                f.write(pointers(windows[i]), at.global(globals.get(i)));
            }
            f.write(pointers(heap), HEAP);
        }
        try (RemoteMemory mem = RemoteMemory.ofImage(image)) {
            try {
                new SchedulerReader(at).read(mem);
            } catch (SnapshotException expected) {
                // validation said no: go on to the walks, which read on their own
            }
            List<String> reasons = bin.waitReasons().texts();
            try {
                new GoroutineWalker(at, -1, reasons, pc -> false).walk(mem, 10_000);
            } catch (SnapshotException expected) {
                // as above
            }
            new GoroutineStackReader(at, -1, reasons, pc -> false, bin.stackSymbols())
                    .read(mem, new GoroutineStackReader.Limits(1_000, 64), g -> { });
        } catch (GoBinaryException e) {
            throw new IllegalStateException("the layout binary itself is unusable: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer pointers(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw.clone()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 8 <= raw.length; i += 8) {
            long w = b.getLong(i);
            if (w >>> 48 == 0xc0c0) {
                b.putLong(i, HEAP + Long.remainderUnsigned(w & 0xffffffffL, HEAP_SIZE));
            }
        }
        return b;
    }
}
