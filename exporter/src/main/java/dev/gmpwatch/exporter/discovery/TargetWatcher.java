package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.ProgramImage;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.probe.PerEventMode;
import java.io.IOException;
import java.nio.file.Path;
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
import java.util.function.Consumer;

/**
 * Rescans /proc, serves newly selected Go processes (and, in the per-event mode, attaches their
 * probes) and forgets processes that are gone. A process that cannot be served is logged once and
 * kept in {@link #skipped()}.
 */
public final class TargetWatcher implements Targets, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("gmpwatch.discovery");

    private final ProbeLifecycle probes;
    private final TargetSelection selection;
    private final Procfs proc;
    private final BinaryAnalyses binaries = new BinaryAnalyses();
    private final Map<Long, TargetStatus> skipped = new LinkedHashMap<>();
    private final Map<Long, String> watchedExe = new HashMap<>();
    private final Map<Long, Target> targets = new LinkedHashMap<>();
    private final List<Consumer<Set<Long>>> onRescan = new ArrayList<>();
    /** Watched processes found gone once; removed at the next rescan, so their last counts get scraped. */
    private final Set<Long> exited = new HashSet<>();
    private final long ownPid = ProcessHandle.current().pid();
    private ScheduledExecutorService timer;

    /** @param perEvent present in the per-event mode only */
    public TargetWatcher(Optional<PerEventMode> perEvent, TargetSelection selection, Procfs proc) {
        this.probes = perEvent.<ProbeLifecycle>map(AttachedProbes::new).orElse(ProbeLifecycle.OFF);
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
        return probes.attachErrors();
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
            ProgramImage image;
            try {
                image = ProgramImage.of(proc, pid);
            } catch (IOException e) {
                continue; // kernel thread or already gone
            }
            Path exeLink = image.link();
            String target = image.path();
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
        probes.adoptSelfRegistered().forEach((p, probeMode) -> targets.computeIfPresent(p, (k, t) -> t.withProbeMode(probeMode)));
        probes.detachOverBudget().forEach(p -> targets.computeIfPresent(p, (k, t) -> t.withProbeMode(Target.PROBES_OVER_BUDGET)));
        Set<Long> tracked = new HashSet<>(targets.keySet());
        tracked.addAll(probes.watched()); // self-registered, maybe never served
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

    private void consider(long pid, Path exeLink, String target) {
        String exeName = Path.of(target.replace(" (deleted)", "")).getFileName().toString();
        BinaryAnalyses.Analysis a = binaries.of(exeLink, target);
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
        Target t = new Target(pid, exeName, a.binary(), bias, probes.attach(pid, exeLink, target, exeName, a.binary()),
                ContainerIdentity.of(proc, pid));
        targets.put(pid, t);
        watchedExe.put(pid, target);
        LOG.log(System.Logger.Level.INFO, "serving pid " + pid + " (" + exeName + ", " + a.binary().goVersion()
                + ", per-event probes " + t.probeMode() + ")");
    }

    private void skip(long pid, String exe, String goVersion, String status, String reason, ContainerIdentity container) {
        skipped.put(pid, new TargetStatus(pid, exe, goVersion, status, reason, container));
        LOG.log(System.Logger.Level.WARNING, "not watching pid " + pid + " (" + exe + "): " + reason);
    }

    private void unwatch(long pid) {
        watchedExe.remove(pid);
        targets.remove(pid);
        probes.gone(pid);
    }

    private void rescanSafely() {
        try {
            rescan();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "rescan failed: " + e);
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
