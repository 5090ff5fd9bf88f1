package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The target's memory is untrusted input. The test overwrites a live fixture's runtime structures
 * through /proc/PID/mem (a huge allglen, a pointer into unmapped memory, a wait-reason code out of
 * range): the exporter reports that process as unreadable with a reason, promptly, without a stack
 * trace, and keeps serving a healthy process beside it. On both machines: the arm64 fixtures run
 * under qemu-user, and the exporter finds them by pid as it would any process.
 */
class HostileMemoryIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private record Corruption(String name, String status, String reasonPart, BiConsumer<FixtureProcess, GoBinary> apply) {
    }

    @ParameterizedTest
    @EnumSource(Machine.class)
    void corruptRuntimeStateIsReportedAndOtherTargetsAreStillServed(Machine machine) throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL, machine);
        GoBinary binary = GoBinary.analyze(bin);
        List<Corruption> cases = List.of(
                new Corruption("huge allglen", "implausible", "allglen",
                        (fx, b) -> write(fx, b.globals().get("runtime.allglen"), 1L << 40)),
                new Corruption("allgptr into unmapped memory", "unreadable", "cannot read",
                        (fx, b) -> write(fx, b.globals().get("runtime.allgptr"), 0x7ff0_0000_0000L)),
                new Corruption("wait reason out of range", "implausible", "waits for reason 250",
                        (fx, b) -> writeByte(fx, waitingG(fx, b) + b.layout().offsets().get("runtime.g.waitreason"), 250)));
        try (FixtureProcess healthy = FixtureProcess.start(machine, bin)) {
            healthy.await("ready", WAIT);
            healthy.send("leak 9");
            healthy.await("done", WAIT);
            for (Corruption c : cases) {
                try (FixtureProcess victim = FixtureProcess.start(machine, bin)) {
                    victim.await("ready", WAIT);
                    victim.send("leak 5");
                    victim.await("done", WAIT);
                    String pid = Long.toString(victim.pid());
                    try (ExporterProcess exporter = ExporterProcess.start("--pid", pid, "--pid", Long.toString(healthy.pid()),
                            "--walk.min-interval", "0s")) {
                        exporter.awaitWatching(victim.pid());
                        c.apply().accept(victim, binary);
                        long t0 = System.nanoTime();
                        Scrape s = exporter.scrape();
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        assertTrue(seconds < 5, c.name() + ": the scrape took " + seconds + " s");
                        assertEquals(1, s.value("gmpwatch_target_info", "pid", pid, "status", c.status()), c.name() + ":\n" + s.text);
                        assertTrue(s.value("gmpwatch_snapshot_errors_total", "reason", c.status()) >= 1, c.name());
                        assertEquals(1, s.value("gmpwatch_target_info", "pid", Long.toString(healthy.pid()), "status", "watching"),
                                c.name() + ": the healthy process is still served");
                        assertEquals(9, s.value("gmpwatch_goroutines_by_creator", "pid", Long.toString(healthy.pid()),
                                "creator", "main.leaker"), c.name());
                        exporter.scrape(); // the reason is logged once, not once per scrape
                        String log = exporter.logText();
                        assertEquals(1, log.lines().filter(l -> l.contains("pid " + pid) && l.contains(c.reasonPart())).count(),
                                c.name() + ": one log line with the reason:\n" + log);
                        assertFalse(log.lines().anyMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), "no stack trace:\n" + log);
                    }
                }
            }
        }
    }

    /** A g of the fixture that waits on a channel (one of its leaked goroutines). */
    private static long waitingG(FixtureProcess fx, GoBinary b) {
        Map<String, Long> off = b.layout().offsets();
        long allglen = read(fx, b.globals().get("runtime.allglen"), 8).getLong(0);
        long allgptr = read(fx, b.globals().get("runtime.allgptr"), 8).getLong(0);
        int chanReceive = b.waitReasons().texts().indexOf("chan receive");
        for (long i = 0; i < allglen; i++) {
            long g = read(fx, allgptr + 8 * i, 8).getLong(0);
            int status = read(fx, g + off.get("runtime.g.atomicstatus"), 4).getInt(0);
            int reason = read(fx, g + off.get("runtime.g.waitreason"), 1).get(0);
            if (status == 4 && reason == chanReceive) {
                return g;
            }
        }
        throw new AssertionError("no goroutine of the fixture waits on a channel");
    }

    private static ByteBuffer read(FixtureProcess fx, long address, int n) {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + fx.pid() + "/mem", "r")) {
            byte[] b = new byte[n];
            mem.seek(address);
            mem.readFully(b);
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void write(FixtureProcess fx, long address, long value) {
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        writeBytes(fx, address, b);
    }

    private static void writeByte(FixtureProcess fx, long address, int value) {
        writeBytes(fx, address, new byte[] {(byte) value});
    }

    private static void writeBytes(FixtureProcess fx, long address, byte[] b) {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + fx.pid() + "/mem", "rw")) {
            mem.seek(address);
            mem.write(b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
