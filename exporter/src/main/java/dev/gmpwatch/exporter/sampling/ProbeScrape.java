package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.probe.ProbeCounts;
import java.util.List;
import java.util.OptionalDouble;

/**
 * What one scrape read of the per-event probes, as plain values for the per-event collector.
 *
 * @param processes one per probed process whose maps were read
 * @param drops     events not recorded so far, by drop reason (SchedulerProbes.DROP_REASONS)
 */
public record ProbeScrape(List<Probed> processes, List<Long> drops) {
    public ProbeScrape {
        processes = List.copyOf(processes);
        drops = List.copyOf(drops);
    }

    /**
     * One probed process.
     *
     * @param waitReasons the binary's wait-reason texts by code ("" where a code has none)
     * @param overhead    the probes' estimated share of one CPU, once the budget has two readings
     * @param stealsProbed whether its steal counts are real (its binary has the steal site)
     */
    public record Probed(ProcessLabels labels, List<String> waitReasons, ProbeCounts counts, OptionalDouble overhead,
                         boolean stealsProbed) {
    }
}
