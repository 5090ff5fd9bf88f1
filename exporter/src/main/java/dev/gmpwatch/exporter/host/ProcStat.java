package dev.gmpwatch.exporter.host;

import java.io.IOException;
import java.util.OptionalDouble;

/** CPU time of a process from /proc/PID/stat (utime + stime, in clock ticks). */
public final class ProcStat {
    /** USER_HZ: 100 on every Linux architecture we run on. */
    private static final double TICKS_PER_SECOND = 100.0;
    private final Procfs proc;

    public ProcStat(Procfs proc) {
        this.proc = proc;
    }

    public OptionalDouble cpuSeconds(long pid) {
        try {
            String stat = proc.stat(pid);
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            return OptionalDouble.of((utime + stime) / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }
}
