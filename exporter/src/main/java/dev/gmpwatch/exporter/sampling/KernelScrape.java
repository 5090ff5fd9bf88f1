package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.probe.KernelRunQueue;
import java.util.List;

/**
 * What one scrape read of the kernel's run-queue latency (--kernel.runqueue), as plain values.
 *
 * @param processes one per served process the tracepoints count
 */
public record KernelScrape(List<Counted> processes) {
    public KernelScrape {
        processes = List.copyOf(processes);
    }

    /** One process's threads' waits on a CPU run queue. */
    public record Counted(ProcessLabels labels, KernelRunQueue.Latency latency) {
    }
}
