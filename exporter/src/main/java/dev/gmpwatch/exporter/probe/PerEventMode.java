package dev.gmpwatch.exporter.probe;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The opt-in per-event mode: the loaded probes, their overhead budget, and which executables get
 * them (all when {@code match} is empty).
 */
public record PerEventMode(SchedulerProbes probes, OverheadBudget budget, Optional<Pattern> match) {
    /** Whether a process running this executable (its full path) should be probed. */
    public boolean selects(String exePath) {
        return match.map(m -> m.matcher(exePath).find()).orElse(true);
    }
}
