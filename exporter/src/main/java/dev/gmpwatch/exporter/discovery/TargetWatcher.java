package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.collect.SelfMetrics;
import dev.gmpwatch.exporter.collect.TargetStatus;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchException;
import dev.gmpwatch.exporter.probe.WatchedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Rescans /proc, attaches to newly selected Go processes and detaches from processes that are
 * gone. A process that cannot be watched is logged once and kept in {@link #skipped()}.
 */
public final class TargetWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("gmpwatch.discovery");

    private final SchedulerProbes probes;
    private final TargetSelection selection;
    private final Path proc;
    private final SelfMetrics self;
    private final Map<String, Analysis> binaries = new HashMap<>();
    private final Map<Long, TargetStatus> skipped = new LinkedHashMap<>();
    private final Map<Long, String> watchedExe = new HashMap<>();
    /** Watched processes found gone once; removed at the next rescan, so their last counts get scraped. */
    private final Set<Long> exited = new HashSet<>();
    private final long ownPid = ProcessHandle.current().pid();
    private ScheduledExecutorService timer;

    /** The analysis of one executable file, or why it failed. */
    private record Analysis(GoBinary binary, String error, boolean notGo) {
    }

    public TargetWatcher(SchedulerProbes probes, TargetSelection selection, Path proc, SelfMetrics self) {
        this.probes = probes;
        this.selection = selection;
        this.proc = proc;
        this.self = self;
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

    public synchronized List<TargetStatus> skipped() {
        return List.copyOf(skipped.values());
    }

    public synchronized void rescan() {
        Set<Long> alive = new HashSet<>();
        for (long pid : Procfs.pids(proc)) {
            if (pid == ownPid) {
                continue;
            }
            Path exeLink = proc.resolve(pid + "/exe");
            String target;
            try {
                target = Files.readSymbolicLink(exeLink).toString();
            } catch (IOException | UnsupportedOperationException e) {
                continue; // kernel thread or already gone
            }
            alive.add(pid);
            String known = watchedExe.get(pid);
            if (known != null && known.equals(target)) {
                continue;
            }
            if (known != null) {
                unwatch(pid); // the process exec'd another program
            }
            if (skipped.containsKey(pid) || isRegisteredBinary(exeLink) || !selection.selects(pid, exeLink, target)) {
                continue; // processes of --exe binaries register themselves from the probes
            }
            consider(pid, exeLink, target);
        }
        adoptSelfRegistered();
        for (WatchedProcess w : probes.watched()) {
            if (alive.contains(w.pid())) {
                exited.remove(w.pid());
            } else if (!exited.add(w.pid())) {
                exited.remove(w.pid());
                unwatch(w.pid());
            }
        }
        skipped.keySet().removeIf(pid -> !alive.contains(pid));
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

    private void adoptSelfRegistered() {
        try {
            for (WatchedProcess w : probes.adoptSelfRegistered()) {
                self.targetWatched();
                LOG.log(System.Logger.Level.INFO, "watching pid " + w.pid() + " (" + w.exe() + ", "
                        + w.binary().goVersion() + ", registered by its probes)");
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
                skip(pid, exeName, "", a.notGo() ? TargetStatus.NOT_GO : TargetStatus.UNSUPPORTED, a.error());
            }
            return;
        }
        try {
            WatchedProcess w = probes.watch(pid, exeName, a.binary());
            watchedExe.put(pid, target);
            self.targetWatched();
            LOG.log(System.Logger.Level.INFO, "watching pid " + pid + " (" + exeName + ", " + a.binary().goVersion()
                    + ", probes " + w.probeMode() + ")");
        } catch (WatchException e) {
            skip(pid, exeName, a.binary().goVersion(), TargetStatus.UNSUPPORTED, e.getMessage());
        } catch (BpfException e) {
            self.attachFailed();
            skip(pid, exeName, a.binary().goVersion(), TargetStatus.ATTACH_FAILED, e.getMessage());
        }
    }

    private void skip(long pid, String exe, String goVersion, String status, String reason) {
        skipped.put(pid, new TargetStatus(pid, exe, goVersion, status, reason));
        LOG.log(System.Logger.Level.WARNING, "not watching pid " + pid + " (" + exe + "): " + reason);
    }

    private void unwatch(long pid) {
        watchedExe.remove(pid);
        try {
            probes.unwatch(pid);
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
            boolean notGo = e.getMessage().contains("not a Go binary");
            return new Analysis(null, e.getMessage(), notGo);
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
