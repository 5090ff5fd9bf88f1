package dev.gmpwatch.exporter.probe;

import dev.gmpwatch.exporter.elf.ElfFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads a live process: its load bias (for PIE) and words of its memory. */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /**
     * How far the executable was moved at load: 0 for a fixed-address executable, the base
     * address for a PIE. Found from /proc/PID/maps: the mapping of the executable at file offset 0.
     */
    public static long loadBias(Path proc, long pid, ElfFile elf) throws IOException {
        return loadBias(proc, pid, elf.isPie(), elf.imageBase());
    }

    /** As above, for a binary already known to be PIE or not, with its {@link ElfFile#imageBase()}. */
    public static long loadBias(Path proc, long pid, boolean pie, long imageBase) throws IOException {
        if (!pie) {
            return 0;
        }
        String exe = Files.readSymbolicLink(proc.resolve(pid + "/exe")).toString();
        for (String line : Files.readAllLines(proc.resolve(pid + "/maps"))) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[5].equals(exe) && Long.parseLong(f[2], 16) == 0) {
                return Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16) - imageBase;
            }
        }
        throw new IOException("cannot find " + exe + " in /proc/" + pid + "/maps");
    }

    /** A 32-bit word of the process's memory, or empty when it cannot be read. */
    public static OptionalLong readInt32(Path proc, long pid, long address) {
        try (RandomAccessFile mem = new RandomAccessFile(proc.resolve(pid + "/mem").toFile(), "r")) {
            byte[] b = new byte[4];
            mem.seek(address);
            mem.readFully(b);
            return OptionalLong.of(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt());
        } catch (IOException | IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }
}
