package dev.gmpwatch.exporter.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * How long a process's threads waited for a CPU, from the kernel's per-task schedstat: already
 * accounted by the scheduler, so reading it costs the target nothing. Beside the Go runtime's own
 * scheduling latency it tells Go scheduling delay from CPU starvation.
 */
public final class CpuWait {
    private final Procfs proc;

    public CpuWait(Procfs proc) {
        this.proc = proc;
    }

    /** Sum over the live threads of time spent runnable but not running, in ns (threads that exited are lost). */
    public OptionalLong waitNanos(long pid) {
        long total = 0;
        boolean any = false;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.tasks(pid))) {
            for (Path t : tasks) {
                try {
                    String[] f = Files.readString(t.resolve("schedstat")).trim().split("\\s+");
                    total += Long.parseLong(f[1]);
                    any = true;
                } catch (IOException | RuntimeException e) {
                    // the thread exited while we listed them
                }
            }
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return any ? OptionalLong.of(total) : OptionalLong.empty();
    }
}
