package dev.gmpwatch.exporter.cli;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.collect.CollectorSet;
import dev.gmpwatch.exporter.discovery.ProcessLabeler;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.discovery.TargetSelection;
import dev.gmpwatch.exporter.discovery.TargetWatcher;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.host.Capabilities;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.kubernetes.KubernetesNames;
import dev.gmpwatch.exporter.probe.KernelRunQueue;
import dev.gmpwatch.exporter.probe.OverheadBudget;
import dev.gmpwatch.exporter.probe.PerEventMode;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchException;
import dev.gmpwatch.exporter.sampling.KernelSnapshots;
import dev.gmpwatch.exporter.sampling.ProbeSnapshots;
import dev.gmpwatch.exporter.sampling.RunQueueSampler;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import dev.gmpwatch.exporter.sampling.Snapshots;
import dev.gmpwatch.exporter.sampling.StateSampler;
import dev.gmpwatch.exporter.web.ExporterServer;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** {@code run}: watch Go processes and serve their scheduler metrics. The default command. */
final class RunCommand {
    private final PrintStream out;
    private final PrintStream err;
    private final Procfs proc = Procfs.HOST;

    RunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) throws UsageException {
        Optional<SchedulerProbes> probes = Optional.empty();
        Optional<KernelRunQueue> kernel = Optional.empty();
        try {
            RunSettings s = RunSettings.parse(Flags.parse(args, ExporterFlags.RUN));
            requireCapabilities(s.loadsBpf());
            probes = loadProbes(s.perEvent());
            kernel = loadKernelRunQueue(s.kernelRunQueue());
            registerExes(s.selection(), probes);
            return serve(s, probes, kernel);
        } catch (StartupException e) {
            probes.ifPresent(SchedulerProbes::close);
            kernel.ifPresent(KernelRunQueue::close);
            err.println("gmpwatch: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (UsageException e) {
            probes.ifPresent(SchedulerProbes::close);
            kernel.ifPresent(KernelRunQueue::close);
            throw e;
        }
    }

    private void requireCapabilities(boolean bpf) throws StartupException {
        List<String> missing = Capabilities.missing(proc, bpf);
        if (!missing.isEmpty()) {
            throw new StartupException("missing capabilities " + String.join(", ", missing)
                    + ": run as root, or grant them (setcap or the container's securityContext)");
        }
    }

    private Optional<SchedulerProbes> loadProbes(boolean perEvent) throws StartupException {
        if (!perEvent) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SchedulerProbes(proc));
        } catch (BpfException e) {
            throw new StartupException("--probes: cannot load the BPF programs: " + e.getMessage()
                    + " (needs CAP_BPF and CAP_PERFMON, and a kernel with BTF and uprobes)");
        }
    }

    private static Optional<KernelRunQueue> loadKernelRunQueue(boolean on) throws StartupException {
        if (!on) {
            return Optional.empty();
        }
        try {
            return Optional.of(new KernelRunQueue());
        } catch (BpfException e) {
            throw new StartupException("--kernel.runqueue: cannot load or attach the sched tracepoint programs: " + e.getMessage()
                    + " (needs CAP_BPF and CAP_PERFMON, and a kernel with BTF, 5.14 or later)");
        }
    }

    /** Checks every --exe now (a typo fails at start), and puts the probes on them in the per-event mode. */
    private static void registerExes(TargetSelection selection, Optional<SchedulerProbes> probes) throws UsageException, StartupException {
        try {
            for (Path exe : selection.exes()) {
                GoBinary bin = GoBinary.analyze(exe);
                if (probes.isPresent() && bin.probesUnsupported().isPresent()) {
                    System.getLogger("gmpwatch.probe").log(System.Logger.Level.WARNING, "--exe " + exe + ": " + bin.probesUnsupported().get()
                            + "; its processes are served from memory, without per-event counts");
                } else if (probes.isPresent()) {
                    probes.get().registerBinary(exe, bin);
                }
            }
        } catch (GoBinaryException | ElfFormatException | WatchException e) {
            throw new UsageException("--exe: " + e.getMessage());
        } catch (BpfException e) {
            throw new StartupException("cannot attach to --exe binaries: " + e.getMessage());
        }
    }

    /** Wires discovery, sampling and the collectors, serves HTTP, and blocks until SIGTERM or SIGINT. */
    private int serve(RunSettings s, Optional<SchedulerProbes> probes, Optional<KernelRunQueue> kernel) throws StartupException {
        SelfMetrics self = new SelfMetrics();
        Optional<PerEventMode> mode = probes.map(p -> new PerEventMode(p, new OverheadBudget(s.budgetFraction()), s.probesMatch()));
        TargetWatcher watcher = new TargetWatcher(mode, s.selection(), proc);
        StateSampler sampler = new StateSampler(proc, s.limits(), self);
        watcher.onRescan(sampler::retain);
        Optional<RunQueueSampler> runQueues = s.samplesRunQueues()
                ? Optional.of(new RunQueueSampler(watcher, sampler.readers(), s.sampleRate())) : Optional.empty();
        runQueues.ifPresent(q -> watcher.onRescan(q::retain));
        kernel.ifPresent(k -> watcher.onRescan(pids -> countRunQueueWaits(k, pids)));
        CollectorRegistry registry = new CollectorRegistry();
        registry.register(collectors(s, mode, watcher, sampler, runQueues, kernel, self));
        ExporterServer server;
        try {
            server = new ExporterServer(s.listen(), s.telemetryPath(), registry, watcher, sampler.readers(), s.web());
        } catch (IOException e) {
            throw new StartupException("cannot listen on " + s.listenFlag() + ": " + e.getMessage());
        }
        s.kubernetes().ifPresent(KubernetesNames::start);
        watcher.start(s.interval());
        runQueues.ifPresent(RunQueueSampler::start);
        out.println("gmpwatch: serving " + (server.tls() ? "https" : "http") + "://" + hostForUrl(server.address()) + ":" + server.address().getPort()
                + s.telemetryPath() + ", watching " + watcher.targets().size() + " process(es)"
                + (s.perEvent() ? ", per-event probes on" : "")
                + (s.kernelRunQueue() ? ", kernel run-queue latency on" : "")
                + s.kubernetes().map(k -> ", pod names from " + k.describe()).orElse(""));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            runQueues.ifPresent(RunQueueSampler::close);
            watcher.close();
            s.kubernetes().ifPresent(KubernetesNames::close);
            probes.ifPresent(SchedulerProbes::close); // detaches every probe
            kernel.ifPresent(KernelRunQueue::close);
            stopped.countDown();
        }, "gmpwatch-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    /** The scrape's collectors: the snapshot's, the sampled run queues, the per-event mode's, the pod watch's health (one line each). */
    private CollectorSet collectors(RunSettings s, Optional<PerEventMode> mode, TargetWatcher watcher, StateSampler sampler,
                                    Optional<RunQueueSampler> runQueues, Optional<KernelRunQueue> kernel, SelfMetrics self) {
        ProcessLabeler labeler = s.kubernetes().map(KubernetesNames::labeler).orElse(ProcessLabeler.CGROUP_ONLY);
        List<CollectorSet.Entry> collectors = new ArrayList<>(CollectorSet.snapshotCollectors(s.topK()));
        mode.ifPresent(m -> collectors.add(CollectorSet.probes(new ProbeSnapshots(m.probes(), m.budget(), self,
                w -> labeler.labels(w.pid(), w.exe(), watcher.target(w.pid()).map(Target::container)
                        .orElseGet(() -> ContainerIdentity.of(proc, w.pid()))))::take)));
        runQueues.ifPresent(q -> collectors.add(CollectorSet.runQueues(q::cost)));
        kernel.ifPresent(k -> collectors.add(CollectorSet.kernel(new KernelSnapshots(k, watcher, labeler, self)::take)));
        s.kubernetes().ifPresent(k -> collectors.add(CollectorSet.kubernetes(k::health)));
        Snapshots snapshots = new Snapshots(watcher, sampler, labeler, runQueues);
        return new CollectorSet(collectors, s.disabledCollectors(), snapshots::take, self::snapshot, System::nanoTime);
    }

    private static void countRunQueueWaits(KernelRunQueue kernel, java.util.Set<Long> pids) {
        try {
            kernel.watchOnly(pids);
        } catch (BpfException e) {
            System.getLogger("gmpwatch.collect").log(System.Logger.Level.WARNING,
                    "--kernel.runqueue: cannot update the watched processes: " + e.getMessage());
        }
    }

    private static String hostForUrl(InetSocketAddress a) {
        return a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
    }
}
