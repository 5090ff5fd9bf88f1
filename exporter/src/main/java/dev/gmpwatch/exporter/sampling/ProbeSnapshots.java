package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.probe.OverheadBudget;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchedProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Function;

/** Reads the probe maps of every probed process once per scrape; a process whose maps fail is left out and counted. */
public final class ProbeSnapshots {
    private static final System.Logger LOG = System.getLogger("gmpwatch.sampling");

    private final SchedulerProbes probes;
    private final OverheadBudget budget;
    private final SelfMetrics self;
    private final Function<WatchedProcess, ProcessLabels> labels;

    /** @param labels names a probed process as the snapshot names it, so the series of both join */
    public ProbeSnapshots(SchedulerProbes probes, OverheadBudget budget, SelfMetrics self, Function<WatchedProcess, ProcessLabels> labels) {
        this.probes = probes;
        this.budget = budget;
        this.self = self;
        this.labels = labels;
    }

    public synchronized ProbeScrape take() {
        List<ProbeScrape.Probed> out = new ArrayList<>();
        for (WatchedProcess w : probes.watched()) {
            try {
                OptionalDouble overhead = budget.estimate(w.pid()).map(e -> OptionalDouble.of(e.cpuFraction())).orElse(OptionalDouble.empty());
                out.add(new ProbeScrape.Probed(labels.apply(w), w.binary().waitReasons().texts(), probes.counts(w.slot()), overhead,
                        w.stealsProbed()));
            } catch (BpfException | RuntimeException e) {
                self.scrapeFailed();
                LOG.log(System.Logger.Level.WARNING, "reading the maps of pid " + w.pid() + " failed: " + e.getMessage());
            }
        }
        List<Long> drops = new ArrayList<>();
        try {
            for (long n : probes.drops()) {
                drops.add(n);
            }
        } catch (BpfException e) {
            self.scrapeFailed();
            drops.clear();
            SchedulerProbes.DROP_REASONS.forEach(r -> drops.add(0L));
        }
        return new ProbeScrape(out, drops);
    }
}
