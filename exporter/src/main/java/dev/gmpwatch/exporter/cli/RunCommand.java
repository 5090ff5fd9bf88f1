package dev.gmpwatch.exporter.cli;

import dev.gmpwatch.exporter.bpf.BpfException;
import dev.gmpwatch.exporter.collect.CollectorName;
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
import dev.gmpwatch.exporter.kubernetes.KubernetesException;
import dev.gmpwatch.exporter.kubernetes.KubernetesNames;
import dev.gmpwatch.exporter.probe.OverheadBudget;
import dev.gmpwatch.exporter.probe.PerEventMode;
import dev.gmpwatch.exporter.probe.SchedulerProbes;
import dev.gmpwatch.exporter.probe.WatchException;
import dev.gmpwatch.exporter.sampling.SelfMetrics;
import dev.gmpwatch.exporter.sampling.Snapshots;
import dev.gmpwatch.exporter.sampling.StateSampler;
import dev.gmpwatch.exporter.web.ExporterServer;
import dev.gmpwatch.exporter.web.WebConfig;
import dev.gmpwatch.exporter.web.WebConfigException;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** {@code run}: watch Go processes and serve their scheduler metrics. The default command. */
final class RunCommand {
    private final PrintStream out;
    private final PrintStream err;
    private final Procfs proc = Procfs.HOST;

    RunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** A start-up step failed for a reason the user can fix: exit 1 with this one line. */
    private static final class StartupException extends Exception {
        StartupException(String message) {
            super(message);
        }
    }

    /** Every flag, parsed and checked before anything starts. */
    private record Settings(TargetSelection selection, Duration interval, InetSocketAddress listen, String listenFlag,
                            String telemetryPath, WebConfig web, int topK, StateSampler.Limits limits, boolean perEvent,
                            Optional<Pattern> probesMatch, double budgetFraction, Optional<KubernetesNames> kubernetes,
                            Set<CollectorName> disabledCollectors) {
    }

    int run(String[] args) throws UsageException {
        Optional<SchedulerProbes> probes = Optional.empty();
        try {
            Settings s = settings(Flags.parse(args, ExporterFlags.RUN));
            requireCapabilities(s.perEvent());
            probes = loadProbes(s.perEvent());
            registerExes(s.selection(), probes);
            return serve(s, probes);
        } catch (StartupException e) {
            probes.ifPresent(SchedulerProbes::close);
            err.println("gmpwatch: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (UsageException e) {
            probes.ifPresent(SchedulerProbes::close);
            throw e;
        }
    }

    private Settings settings(Flags f) throws UsageException, StartupException {
        TargetSelection selection = selection(f);
        Duration interval = duration(f.get("discover.interval"), "--discover.interval");
        InetSocketAddress listen = listenAddress(f.get("web.listen-address"));
        String telemetryPath = f.get("web.telemetry-path");
        if (!telemetryPath.startsWith("/") || telemetryPath.equals("/")) {
            throw new UsageException("--web.telemetry-path must start with / and not be / itself");
        }
        WebConfig web = WebConfig.none();
        String webFile = f.get("web.config.file");
        if (webFile != null) {
            try {
                web = WebConfig.load(Path.of(webFile));
            } catch (WebConfigException e) {
                throw new StartupException("--web.config.file " + e.getMessage());
            }
        }
        int topK = positiveInt(f.get("creators.top-k"), "--creators.top-k");
        String history = f.get("walk.history-max-goroutines");
        StateSampler.Limits limits = new StateSampler.Limits(positiveInt(f.get("walk.max-goroutines"),
                "--walk.max-goroutines"), duration(f.get("walk.min-interval"), "--walk.min-interval", Duration.ZERO),
                history.equals("0") ? 0 : positiveInt(history, "--walk.history-max-goroutines"));
        boolean perEvent = f.on("probes") || !f.all("probes.match").isEmpty();
        Optional<Pattern> probesMatch = regex(f, "probes.match");
        double budgetFraction = fraction(f.get("probes.budget"), "--probes.budget");
        try {
            Optional<KubernetesNames> kubernetes = KubernetesNames.fromFlags(f.on("kubernetes"), f.get("kubernetes.kubeconfig"),
                    f.get("kubernetes.node"), System.getenv());
            Set<CollectorName> disabled = disabledCollectors(f, perEvent, kubernetes.isPresent());
            return new Settings(selection, interval, listen, f.get("web.listen-address"), telemetryPath, web, topK, limits, perEvent,
                    probesMatch, budgetFraction, kubernetes, disabled);
        } catch (KubernetesException e) {
            throw new StartupException("--kubernetes: " + e.getMessage());
        }
    }

    /** The collectors turned off; --collector.NAME only confirms one, and only where it exists. */
    private static Set<CollectorName> disabledCollectors(Flags f, boolean perEvent, boolean kubernetes) throws UsageException {
        Set<CollectorName> disabled = EnumSet.noneOf(CollectorName.class);
        for (CollectorName c : CollectorName.values()) {
            boolean on = f.on("collector." + c.label());
            if (on && f.on("no-collector." + c.label())) {
                throw new UsageException("--collector." + c.label() + " and --no-collector." + c.label() + " contradict each other");
            }
            boolean exists = switch (c) {
                case PROBES -> perEvent;
                case KUBERNETES -> kubernetes;
                default -> true;
            };
            if (on && !exists) {
                throw new UsageException("--collector." + c.label() + " needs --" + c.needs());
            }
            if (f.on("no-collector." + c.label())) {
                disabled.add(c);
            }
        }
        return disabled;
    }

    private void requireCapabilities(boolean perEvent) throws StartupException {
        List<String> missing = Capabilities.missing(proc, perEvent);
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

    /** Checks every --exe now (a typo fails at start), and puts the probes on them in the per-event mode. */
    private static void registerExes(TargetSelection selection, Optional<SchedulerProbes> probes) throws UsageException, StartupException {
        try {
            for (Path exe : selection.exes()) {
                GoBinary bin = GoBinary.analyze(exe);
                if (probes.isPresent()) {
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
    private int serve(Settings s, Optional<SchedulerProbes> probes) throws StartupException {
        SelfMetrics self = new SelfMetrics();
        Optional<PerEventMode> mode = probes.map(p -> new PerEventMode(p, new OverheadBudget(s.budgetFraction()), s.probesMatch()));
        TargetWatcher watcher = new TargetWatcher(mode, s.selection(), proc);
        StateSampler sampler = new StateSampler(proc, s.limits(), self);
        watcher.onRescan(sampler::retain);
        CollectorRegistry registry = new CollectorRegistry();
        registry.register(collectors(s, mode, watcher, sampler, self));
        ExporterServer server;
        try {
            server = new ExporterServer(s.listen(), s.telemetryPath(), registry, watcher, sampler.readers(), s.web());
        } catch (IOException e) {
            throw new StartupException("cannot listen on " + s.listenFlag() + ": " + e.getMessage());
        }
        s.kubernetes().ifPresent(KubernetesNames::start);
        watcher.start(s.interval());
        out.println("gmpwatch: serving " + (server.tls() ? "https" : "http") + "://" + hostForUrl(server.address()) + ":" + server.address().getPort()
                + s.telemetryPath() + ", watching " + watcher.targets().size() + " process(es)"
                + (s.perEvent() ? ", per-event probes on" : "")
                + s.kubernetes().map(k -> ", pod names from " + k.describe()).orElse(""));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            watcher.close();
            s.kubernetes().ifPresent(KubernetesNames::close);
            probes.ifPresent(SchedulerProbes::close); // detaches every probe
            stopped.countDown();
        }, "gmpwatch-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    /** The scrape's collectors: the snapshot's, the per-event mode's, the pod watch's health (one line each). */
    private CollectorSet collectors(Settings s, Optional<PerEventMode> mode, TargetWatcher watcher, StateSampler sampler, SelfMetrics self) {
        ProcessLabeler labeler = s.kubernetes().map(KubernetesNames::labeler).orElse(ProcessLabeler.CGROUP_ONLY);
        List<CollectorSet.Entry> collectors = new ArrayList<>(CollectorSet.snapshotCollectors(s.topK()));
        mode.ifPresent(m -> collectors.add(CollectorSet.probes(m.probes(), m.budget(), self,
                w -> labeler.labels(w.pid(), w.exe(), watcher.target(w.pid()).map(Target::container)
                        .orElseGet(() -> ContainerIdentity.of(proc, w.pid()))))));
        s.kubernetes().ifPresent(k -> collectors.add(CollectorSet.kubernetes(k::health)));
        Snapshots snapshots = new Snapshots(watcher, sampler, labeler);
        return new CollectorSet(collectors, s.disabledCollectors(), snapshots::take, self::snapshot, System::nanoTime);
    }

    private static TargetSelection selection(Flags f) throws UsageException {
        List<Long> pids = new ArrayList<>();
        for (String p : f.all("pid")) {
            try {
                pids.add(Long.parseLong(p));
            } catch (NumberFormatException e) {
                throw new UsageException("--pid takes a process id, got '" + p + "'");
            }
        }
        List<Path> exes = f.all("exe").stream().map(Path::of).toList();
        Optional<Pattern> match = regex(f, "discover.match");
        // With no selection at all, watch every Go process on the host.
        boolean discover = f.on("discover") || (pids.isEmpty() && exes.isEmpty());
        return new TargetSelection(pids, exes, discover, match);
    }

    private static Optional<Pattern> regex(Flags f, String flag) throws UsageException {
        if (f.all(flag).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pattern.compile(f.get(flag)));
        } catch (PatternSyntaxException e) {
            throw new UsageException("--" + flag + " is not a valid regex: " + e.getDescription());
        }
    }

    static Duration duration(String s, String flag) throws UsageException {
        return duration(s, flag, Duration.ofMillis(100));
    }

    /** A duration flag of at least {@code min}; "0s" is allowed when min is zero. */
    static Duration duration(String s, String flag, Duration min) throws UsageException {
        java.util.regex.Matcher m = Pattern.compile("^(\\d+)(ms|s|m|h)$").matcher(s);
        if (!m.matches()) {
            throw new UsageException(flag + " takes a duration like 500ms, 5s or 1m, got '" + s + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(min) < 0) {
            throw new UsageException(flag + " must be at least " + min.toMillis() + "ms");
        }
        return d;
    }

    static InetSocketAddress listenAddress(String s) throws UsageException {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new UsageException("--web.listen-address takes [host]:port, got '" + s + "'");
        }
        String host = s.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageException("--web.listen-address has a bad port in '" + s + "'");
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("--web.listen-address port must be 0..65535");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /** A share of one CPU, 0 < x <= 1. */
    private static double fraction(String s, String flag) throws UsageException {
        try {
            double v = Double.parseDouble(s);
            if (v > 0 && v <= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(flag + " takes a share of one CPU between 0 and 1 (0.02 is 2%), got '" + s + "'");
    }

    private static int positiveInt(String s, String flag) throws UsageException {
        try {
            int v = Integer.parseInt(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(flag + " takes a positive integer, got '" + s + "'");
    }

    private static String hostForUrl(InetSocketAddress a) {
        return a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
    }
}
