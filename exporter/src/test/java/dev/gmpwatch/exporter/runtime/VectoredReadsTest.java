package dev.gmpwatch.exporter.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * process_vm_readv and its fallback (a positional read of /proc/PID/mem per window, for seccomp
 * profiles that refuse the call) read the same bytes of a live fixture's gs, and both stop at the
 * first address that cannot be read.
 */
class VectoredReadsTest {
    @Test
    void bothPathsReadTheSameWindowsAndStopAtTheFirstBadAddress() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        GoBinary binary = GoBinary.analyze(bin);
        try (FixtureProcess fx = FixtureProcess.start(bin)) {
            fx.await("ready", Duration.ofSeconds(60));
            fx.send("leak 100");
            fx.await("done", Duration.ofSeconds(60));
            try (RemoteMemory mem = RemoteMemory.open(Procfs.HOST, fx.pid())) {
                long allglen = mem.readLong(binary.globals().get("runtime.allglen"));
                long allgptr = mem.readLong(binary.globals().get("runtime.allgptr"));
                ByteBuffer ptrs = mem.read(allgptr, (int) allglen * 8);
                int n = (int) allglen;
                long[] addresses = new long[VectoredReads.BATCH];
                for (int i = 0; i < n; i++) {
                    addresses[i] = ptrs.getLong(i * 8);
                }
                VectoredReads fast = new VectoredReads(fx.pid(), 176, mem);
                VectoredReads slow = new VectoredReads(fx.pid(), 176, mem);
                slow.forceOneByOne();
                VectoredReads.Result a = fast.read(addresses, n);
                byte[] fastBytes = bytes(a);
                VectoredReads.Result b = slow.read(addresses, n);
                assertEquals(n, a.count());
                assertEquals(n, b.count());
                assertArrayEquals(fastBytes, bytes(b), "the same windows either way");

                addresses[7] = 0x7ff0_0000_0000L; // unmapped
                assertEquals(7, fast.read(addresses, n).count(), "process_vm_readv stops at the bad address");
                assertEquals(7, slow.read(addresses, n).count(), "and so does the fallback");
            }
        }
    }

    private static byte[] bytes(VectoredReads.Result r) {
        ByteBuffer w = r.windows().duplicate();
        byte[] out = new byte[w.remaining()];
        w.get(out);
        return out;
    }
}
