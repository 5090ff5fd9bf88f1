package dev.gmpwatch.exporter.host;

import java.io.IOException;

/** Where a live process's executable was loaded: its load bias (non-zero for PIE). */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /**
     * How far the executable was moved at load: 0 for a fixed-address executable; for a PIE, where
     * file offset 0 is mapped (from /proc/PID/maps) minus the link-time address it was linked for
     * ({@code imageBase}, see ElfFile#imageBase).
     */
    public static long loadBias(Procfs proc, long pid, boolean pie, long imageBase) throws IOException {
        if (!pie) {
            return 0;
        }
        String exe = ProgramImage.of(proc, pid).path();
        for (String line : proc.maps(pid)) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[5].equals(exe) && Long.parseLong(f[2], 16) == 0) {
                return Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16) - imageBase;
            }
        }
        throw new IOException("cannot find " + exe + " in " + proc.describe(pid, "maps"));
    }
}
