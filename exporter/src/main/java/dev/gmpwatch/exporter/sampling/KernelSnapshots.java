package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.discovery.ProcessLabeler;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.discovery.Targets;
import dev.gmpwatch.exporter.probe.KernelRunQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Takes a scrape's {@link KernelScrape}: the run-queue histogram of every served process. */
public final class KernelSnapshots {
    private static final System.Logger LOG = System.getLogger("gmpwatch.collect");

    private final KernelRunQueue kernel;
    private final Targets targets;
    private final ProcessLabeler labeler;
    private final SelfMetrics self;

    public KernelSnapshots(KernelRunQueue kernel, Targets targets, ProcessLabeler labeler, SelfMetrics self) {
        this.kernel = kernel;
        this.targets = targets;
        this.labeler = labeler;
        this.self = self;
    }

    public KernelScrape take() {
        List<KernelScrape.Counted> out = new ArrayList<>();
        for (Target t : targets.targets()) {
            try {
                Optional<KernelRunQueue.Latency> l = kernel.latency(t.pid());
                l.ifPresent(latency -> out.add(new KernelScrape.Counted(labeler.labels(t.pid(), t.exe(), t.container()), latency)));
            } catch (BpfException e) {
                self.scrapeFailed();
                LOG.log(System.Logger.Level.WARNING, "reading the run-queue latency of pid " + t.pid() + " failed: " + e.getMessage());
            }
        }
        return new KernelScrape(out);
    }
}
