package dev.gmpwatch.exporter.sampling;

import dev.gmpwatch.exporter.discovery.ProcessLabeler;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.discovery.TargetStatus;
import dev.gmpwatch.exporter.discovery.Targets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Takes a scrape's {@link Scrape}: every served process sampled, every skipped one named. */
public final class Snapshots {
    private final Targets targets;
    private final StateSampler sampler;
    private final ProcessLabeler labeler;
    private final Optional<RunQueueSampler> runQueues;

    /** @param runQueues the run-queue sampler, when its collector is on */
    public Snapshots(Targets targets, StateSampler sampler, ProcessLabeler labeler, Optional<RunQueueSampler> runQueues) {
        this.targets = targets;
        this.sampler = sampler;
        this.labeler = labeler;
        this.runQueues = runQueues;
    }

    /** @param reads what the collectors that are on need beyond the scheduler-wide state */
    public synchronized Scrape take(StateSampler.Reads reads) {
        List<ProcessSample> samples = new ArrayList<>();
        for (Target t : targets.targets()) {
            samples.add(sampler.sample(t, labeler.labels(t.pid(), t.exe(), t.container()), reads)
                    .withRunQueues(runQueues.flatMap(q -> q.depths(t))));
        }
        List<Scrape.Skipped> skipped = new ArrayList<>();
        for (TargetStatus s : targets.skipped()) {
            skipped.add(new Scrape.Skipped(labeler.labels(s.pid(), s.exe(), s.container()), s.goVersion(), s.status()));
        }
        return new Scrape(samples, skipped, targets.attachErrors());
    }
}
