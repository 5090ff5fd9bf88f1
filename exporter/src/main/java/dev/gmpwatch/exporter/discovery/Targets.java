package dev.gmpwatch.exporter.discovery;

import java.util.Collection;
import java.util.List;

/** What a scrape needs from discovery: the processes served, the ones passed over, and attach failures. */
public interface Targets {
    Collection<Target> targets();

    List<TargetStatus> skipped();

    /** Processes whose per-event probes could not be attached, since start. */
    long attachErrors();
}
