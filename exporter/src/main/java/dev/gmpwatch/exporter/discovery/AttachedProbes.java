package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.probe.OverheadBudget;
import dev.gmpwatch.exporter.probe.PerEventMode;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchException;
import dev.gmpwatch.exporter.probe.WatchedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** The per-event mode's probe lifecycle (--probes): a failure costs one process its probes, never its state. */
final class AttachedProbes implements ProbeLifecycle {
    private static final System.Logger LOG = System.getLogger("gmpwatch.discovery");

    private final PerEventMode mode;
    private final SchedulerProbes probes;
    private final AtomicLong attachErrors = new AtomicLong();
    /** Executables already reported as not probeable: one line each, not one per process or rescan. */
    private final Set<String> unsupportedReported = java.util.concurrent.ConcurrentHashMap.newKeySet();

    AttachedProbes(PerEventMode mode) {
        this.mode = mode;
        this.probes = mode.probes();
    }

    @Override
    public String attach(long pid, Path exeLink, String exePath, String exeName, GoBinary binary) {
        if (!mode.selects(exePath)) {
            return Target.PROBES_OFF;
        }
        if (binary.probesUnsupported().isPresent()) {
            if (unsupportedReported.add(exePath)) {
                LOG.log(System.Logger.Level.WARNING, exeName + ": " + binary.probesUnsupported().get()
                        + "; its state is served from memory, without per-event counts");
            }
            return Target.PROBES_UNSUPPORTED;
        }
        if (isRegisteredBinary(exeLink)) {
            // Processes of --exe binaries register themselves from the probes: maybe already
            // adopted (before this rescan served it), otherwise adoptSelfRegistered sets the mode.
            return probes.get(pid).map(WatchedProcess::probeMode).orElse(Target.PROBES_OFF);
        }
        try {
            return probes.watch(pid, exeName, binary).probeMode();
        } catch (WatchException | BpfException e) {
            attachErrors.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "per-event probes for pid " + pid + " (" + exeName + "): " + e.getMessage());
            return Target.PROBES_FAILED;
        }
    }

    @Override
    public Map<Long, String> adoptSelfRegistered() {
        Map<Long, String> adopted = new LinkedHashMap<>();
        try {
            for (WatchedProcess w : probes.adoptSelfRegistered()) {
                adopted.put(w.pid(), w.probeMode());
                LOG.log(System.Logger.Level.INFO, "per-event probes of pid " + w.pid() + " (" + w.exe() + ") registered themselves");
            }
        } catch (BpfException e) {
            LOG.log(System.Logger.Level.WARNING, "reading self-registered targets failed: " + e.getMessage());
        }
        return adopted;
    }

    /** Binary-wide probes (--exe) cannot be detached from one process, and are kept. */
    @Override
    public Set<Long> detachOverBudget() {
        Set<Long> detached = new HashSet<>();
        OverheadBudget budget = mode.budget();
        try {
            for (OverheadBudget.Estimate e : budget.check(probes, System.nanoTime())) {
                if (!probes.attachedIndividually(e.pid())) {
                    continue;
                }
                probes.unwatch(e.pid());
                detached.add(e.pid());
                LOG.log(System.Logger.Level.WARNING, String.format("per-event probes of pid %d detached: %.0f hits/s cost an"
                        + " estimated %.1f%% of one CPU, over the budget of %.1f%%; its state metrics are still served",
                        e.pid(), e.hitsPerSecond(), 100 * e.cpuFraction(), 100 * budget.fraction()));
            }
        } catch (BpfException e) {
            LOG.log(System.Logger.Level.WARNING, "checking the probes' overhead failed: " + e.getMessage());
        }
        return detached;
    }

    @Override
    public Set<Long> watched() {
        Set<Long> pids = new HashSet<>();
        probes.watched().forEach(w -> pids.add(w.pid()));
        return pids;
    }

    @Override
    public void gone(long pid) {
        try {
            probes.unwatch(pid);
            LOG.log(System.Logger.Level.INFO, "pid " + pid + " is gone; its probes are detached");
        } catch (BpfException e) {
            LOG.log(System.Logger.Level.WARNING, "cleaning up after pid " + pid + " failed: " + e.getMessage());
        }
    }

    @Override
    public long attachErrors() {
        return attachErrors.get();
    }

    private boolean isRegisteredBinary(Path exeLink) {
        for (SchedulerProbes.RegisteredBinary r : probes.registeredBinaries()) {
            try {
                if (Files.isSameFile(exeLink, r.path())) {
                    return true;
                }
            } catch (IOException e) {
                // the process is gone or the file was replaced
            }
        }
        return false;
    }
}
