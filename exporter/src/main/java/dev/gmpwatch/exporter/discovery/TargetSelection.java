package dev.gmpwatch.exporter.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which processes to watch: given PIDs, every process running a given executable, and/or every
 * Go process (optionally only those whose executable path matches a regex).
 */
public record TargetSelection(List<Long> pids, List<Path> exes, boolean discover, Optional<Pattern> match) {
    /** Processes named explicitly are reported even when they cannot be watched. */
    public boolean isExplicit(long pid, Path exeLink) {
        return pids.contains(pid) || exes.stream().anyMatch(e -> sameFile(exeLink, e));
    }

    public boolean selects(long pid, Path exeLink, String exeTarget) {
        if (isExplicit(pid, exeLink)) {
            return true;
        }
        return discover && match.map(m -> m.matcher(exeTarget).find()).orElse(true);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
