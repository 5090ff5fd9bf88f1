package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.probe.OverheadBudget;
import dev.gmpwatch.exporter.probe.PerEventMode;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchException;
import dev.gmpwatch.exporter.probe.WatchedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Rescans /proc, serves newly selected Go processes (and, in the per-event mode, attaches their
 * probes) and forgets processes that are gone. A process that cannot be served is logged once and
 * kept in {@link #skipped()}.
 */
public final class TargetWatcher implements Targets, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("gmpwatch.discovery");

    private final Optional<PerEventMode> perEvent;
    private final Optional<SchedulerProbes> probes;
    private final TargetSelection selection;
    private final Procfs proc;
    private final AtomicLong attachErrors = new AtomicLong();
    private final Map<String, Analysis> binaries = new HashMap<>();
    private final Map<Long, TargetStatus> skipped = new LinkedHashMap<>();
    private final Map<Long, String> watchedExe = new HashMap<>();
    private final Map<Long, Target> targets = new LinkedHashMap<>();
    private final List<Consumer<Set<Long>>> onRescan = new ArrayList<>();
    /** Watched processes found gone once; removed at the next rescan, so their last counts get scraped. */
    private final Set<Long> exited = new HashSet<>();
    private final long ownPid = ProcessHandle.current().pid();
    private ScheduledExecutorService timer;

    /** The analysis of one executable file, or why it failed. */
    private record Analysis(GoBinary binary, String error, boolean notGo) {
    }

    /** @param perEvent present in the per-event mode only */
    public TargetWatcher(Optional<PerEventMode> perEvent, TargetSelection selection, Procfs proc) {
        this.perEvent = perEvent;
        this.probes = perEvent.map(PerEventMode::probes);
        this.selection = selection;
        this.proc = proc;
    }

    /** Rescans now, then every {@code interval}. */
    public void start(Duration interval) {
        rescan();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gmpwatch-rescan");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::rescanSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public long attachErrors() {
        return attachErrors.get();
    }

    @Override
    public synchronized List<TargetStatus> skipped() {
        return List.copyOf(skipped.values());
    }

    @Override
    public synchronized Collection<Target> targets() {
        return List.copyOf(targets.values());
    }

    public synchronized Optional<Target> target(long pid) {
        return Optional.ofNullable(targets.get(pid));
    }

    /** Called after every rescan with the pids still served, so per-process state elsewhere can be dropped. */
    public synchronized void onRescan(Consumer<Set<Long>> listener) {
        onRescan.add(listener);
    }

    public synchronized void rescan() {
        Set<Long> alive = new HashSet<>();
        for (long pid : proc.pids()) {
            if (pid == ownPid) {
                continue;
            }
            Path exeLink = proc.exe(pid);
            String target;
            try {
                target = Files.readSymbolicLink(exeLink).toString();
            } catch (IOException | UnsupportedOperationException e) {
                continue; // kernel thread or already gone
            }
            alive.add(pid);
            String known = watchedExe.get(pid);
            if (known != null && known.equals(target)) {
                refreshContainer(pid);
                continue;
            }
            if (known != null) {
                unwatch(pid); // the process exec'd another program
            }
            if (skipped.containsKey(pid) || !selection.selects(pid, exeLink, target)) {
                continue;
            }
            consider(pid, exeLink, target);
        }
        adoptSelfRegistered();
        enforceBudget();
        Set<Long> tracked = new HashSet<>(targets.keySet());
        probes.ifPresent(p -> p.watched().forEach(w -> tracked.add(w.pid()))); // self-registered, maybe never served
        for (Long pid : tracked) {
            if (alive.contains(pid)) {
                exited.remove(pid);
            } else if (!exited.add(pid)) {
                exited.remove(pid);
                unwatch(pid);
            }
        }
        skipped.keySet().removeIf(pid -> !alive.contains(pid));
        Set<Long> served = Set.copyOf(targets.keySet());
        onRescan.forEach(l -> l.accept(served));
    }

    /** A process moved into another cgroup (a container runtime does so just after exec) is named anew. */
    private void refreshContainer(long pid) {
        Target t = targets.get(pid);
        if (t == null) {
            return;
        }
        ContainerIdentity now = ContainerIdentity.of(proc, pid);
        if (!now.equals(t.container())) {
            targets.put(pid, t.withContainer(now));
        }
    }

    private boolean isRegisteredBinary(Path exeLink) {
        if (probes.isEmpty()) {
            return false;
        }
        for (SchedulerProbes.RegisteredBinary r : probes.get().registeredBinaries()) {
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

    /**
     * Detaches the probes of every process that costs more than the budget; its state is still
     * read and served. Binary-wide probes (--exe) cannot be detached from one process and are kept.
     */
    private void enforceBudget() {
        if (perEvent.isEmpty()) {
            return;
        }
        OverheadBudget budget = perEvent.get().budget();
        try {
            for (OverheadBudget.Estimate e : budget.check(probes.get(), System.nanoTime())) {
                if (!probes.get().attachedIndividually(e.pid())) {
                    continue;
                }
                probes.get().unwatch(e.pid());
                targets.computeIfPresent(e.pid(), (k, t) -> t.withProbeMode(Target.PROBES_OVER_BUDGET));
                LOG.log(System.Logger.Level.WARNING, String.format("per-event probes of pid %d detached: %.0f hits/s cost an"
                        + " estimated %.1f%% of one CPU, over the budget of %.1f%%; its state metrics are still served",
                        e.pid(), e.hitsPerSecond(), 100 * e.cpuFraction(), 100 * budget.fraction()));
            }
        } catch (BpfException e) {
            LOG.log(System.Logger.Level.WARNING, "checking the probes' overhead failed: " + e.getMessage());
        }
    }

    /** Per-event mode with --exe: processes whose probes took a slot themselves. */
    private void adoptSelfRegistered() {
        if (probes.isEmpty()) {
            return;
        }
        try {
            for (WatchedProcess w : probes.get().adoptSelfRegistered()) {
                targets.computeIfPresent(w.pid(), (k, t) -> t.withProbeMode(w.probeMode()));
                LOG.log(System.Logger.Level.INFO, "per-event probes of pid " + w.pid() + " (" + w.exe()
                        + ") registered themselves");
            }
        } catch (BpfException e) {
            LOG.log(System.Logger.Level.WARNING, "reading self-registered targets failed: " + e.getMessage());
        }
    }

    private void consider(long pid, Path exeLink, String target) {
        String exeName = Path.of(target.replace(" (deleted)", "")).getFileName().toString();
        Analysis a = binaries.computeIfAbsent(cacheKey(exeLink, target), k -> analyze(exeLink));
        boolean explicit = selection.isExplicit(pid, exeLink);
        if (a.binary() == null) {
            if (explicit || !a.notGo()) {
                skip(pid, exeName, "", a.notGo() ? TargetStatus.NOT_GO : TargetStatus.UNSUPPORTED, a.error(),
                        ContainerIdentity.of(proc, pid));
            }
            return;
        }
        long bias;
        try {
            bias = ProcessMemory.loadBias(proc, pid, a.binary().pie(), a.binary().imageBase());
        } catch (IOException e) {
            return; // exited while we looked; a later rescan will not see it
        }
        Target t = new Target(pid, exeName, a.binary(), bias, attachProbes(pid, exeLink, target, exeName, a.binary()),
                ContainerIdentity.of(proc, pid));
        targets.put(pid, t);
        watchedExe.put(pid, target);
        LOG.log(System.Logger.Level.INFO, "serving pid " + pid + " (" + exeName + ", " + a.binary().goVersion()
                + ", per-event probes " + t.probeMode() + ")");
    }

    /** The per-event mode's probes for one process; the process is served from its state either way. */
    private String attachProbes(long pid, Path exeLink, String exePath, String exeName, GoBinary bin) {
        if (perEvent.isEmpty() || !perEvent.get().selects(exePath)) {
            return Target.PROBES_OFF;
        }
        if (isRegisteredBinary(exeLink)) {
            // Processes of --exe binaries register themselves from the probes: maybe already
            // adopted (before this rescan served it), otherwise adoptSelfRegistered sets the mode.
            return probes.get().get(pid).map(WatchedProcess::probeMode).orElse(Target.PROBES_OFF);
        }
        try {
            return probes.get().watch(pid, exeName, bin).probeMode();
        } catch (WatchException | BpfException e) {
            attachErrors.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "per-event probes for pid " + pid + " (" + exeName + "): " + e.getMessage());
            return Target.PROBES_FAILED;
        }
    }

    private void skip(long pid, String exe, String goVersion, String status, String reason, ContainerIdentity container) {
        skipped.put(pid, new TargetStatus(pid, exe, goVersion, status, reason, container));
        LOG.log(System.Logger.Level.WARNING, "not watching pid " + pid + " (" + exe + "): " + reason);
    }

    private void unwatch(long pid) {
        watchedExe.remove(pid);
        targets.remove(pid);
        if (probes.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "pid " + pid + " is gone");
            return;
        }
        try {
            probes.get().unwatch(pid);
            LOG.log(System.Logger.Level.INFO, "pid " + pid + " is gone; its probes are detached");
        } catch (BpfException e) {
            LOG.log(System.Logger.Level.WARNING, "cleaning up after pid " + pid + " failed: " + e.getMessage());
        }
    }

    private void rescanSafely() {
        try {
            rescan();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "rescan failed: " + e);
        }
    }

    private static Analysis analyze(Path exeLink) {
        try {
            return new Analysis(GoBinary.analyze(exeLink), null, false);
        } catch (GoBinaryException e) {
            return new Analysis(null, e.getMessage(), e.notGo());
        } catch (ElfFormatException e) {
            return new Analysis(null, e.getMessage(), true);
        }
    }

    /** The same file is analysed once, however many processes run it. */
    private static String cacheKey(Path exeLink, String target) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(exeLink, BasicFileAttributes.class);
            return target + "|" + attrs.fileKey() + "|" + attrs.size() + "|" + attrs.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return target;
        }
    }


    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
