package dev.gmpwatch.exporter.cli;

import dev.gmpwatch.exporter.collect.CollectorName;
import dev.gmpwatch.exporter.discovery.TargetSelection;
import dev.gmpwatch.exporter.kubernetes.KubernetesException;
import dev.gmpwatch.exporter.kubernetes.KubernetesNames;
import dev.gmpwatch.exporter.sampling.RunQueueSampler;
import dev.gmpwatch.exporter.sampling.StateSampler;
import dev.gmpwatch.exporter.web.WebConfig;
import dev.gmpwatch.exporter.web.WebConfigException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Every flag of {@code run}, parsed and checked before anything starts. */
record RunSettings(TargetSelection selection, Duration interval, InetSocketAddress listen, String listenFlag,
                   String telemetryPath, WebConfig web, int topK, StateSampler.Limits limits, boolean perEvent,
                   Optional<Pattern> probesMatch, double budgetFraction, Optional<KubernetesNames> kubernetes,
                   Set<CollectorName> disabledCollectors, double sampleRate, boolean kernelRunQueue) {

    static RunSettings parse(Flags f) throws UsageException, StartupException {
        TargetSelection selection = selection(f);
        Duration interval = FlagValues.duration(f.get("discover.interval"), "--discover.interval");
        InetSocketAddress listen = FlagValues.listenAddress(f.get("web.listen-address"));
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
        int topK = FlagValues.positiveInt(f.get("creators.top-k"), "--creators.top-k");
        String history = f.get("walk.history-max-goroutines");
        StateSampler.Limits limits = new StateSampler.Limits(FlagValues.positiveInt(f.get("walk.max-goroutines"),
                "--walk.max-goroutines"), FlagValues.duration(f.get("walk.min-interval"), "--walk.min-interval", Duration.ZERO),
                history.equals("0") ? 0 : FlagValues.positiveInt(history, "--walk.history-max-goroutines"));
        double sampleRate = FlagValues.rate(f.get("sched.sample-rate"), "--sched.sample-rate", RunQueueSampler.MAX_RATE);
        boolean perEvent = f.on("probes") || !f.all("probes.match").isEmpty();
        Optional<Pattern> probesMatch = FlagValues.regex(f, "probes.match");
        double budgetFraction = FlagValues.fraction(f.get("probes.budget"), "--probes.budget");
        try {
            Optional<KubernetesNames> kubernetes = KubernetesNames.fromFlags(f.on("kubernetes"), f.get("kubernetes.kubeconfig"),
                    f.get("kubernetes.node"), System.getenv());
            boolean kernelRunQueue = f.on("kernel.runqueue");
            Set<CollectorName> disabled = disabledCollectors(f, perEvent, kubernetes.isPresent(), kernelRunQueue);
            return new RunSettings(selection, interval, listen, f.get("web.listen-address"), telemetryPath, web, topK, limits, perEvent,
                    probesMatch, budgetFraction, kubernetes, disabled, sampleRate,
                    kernelRunQueue && !disabled.contains(CollectorName.KERNEL));
        } catch (KubernetesException e) {
            throw new StartupException("--kubernetes: " + e.getMessage());
        }
    }

    /** Whether anything loads BPF: the per-event probes or the kernel's run-queue tracepoints. */
    boolean loadsBpf() {
        return perEvent || kernelRunQueue;
    }

    /** Whether the run queues are sampled between scrapes (the runqueue collector is on). */
    boolean samplesRunQueues() {
        return !disabledCollectors.contains(CollectorName.RUNQUEUE);
    }

    /** The collectors turned off; --collector.NAME only confirms one, and only where it exists. */
    private static Set<CollectorName> disabledCollectors(Flags f, boolean perEvent, boolean kubernetes, boolean kernel)
            throws UsageException {
        Set<CollectorName> disabled = EnumSet.noneOf(CollectorName.class);
        for (CollectorName c : CollectorName.values()) {
            boolean on = f.on("collector." + c.label());
            if (on && f.on("no-collector." + c.label())) {
                throw new UsageException("--collector." + c.label() + " and --no-collector." + c.label() + " contradict each other");
            }
            boolean exists = switch (c) {
                case PROBES -> perEvent;
                case KUBERNETES -> kubernetes;
                case KERNEL -> kernel;
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
        Optional<Pattern> match = FlagValues.regex(f, "discover.match");
        // With no selection at all, watch every Go process on the host.
        boolean discover = f.on("discover") || (pids.isEmpty() && exes.isEmpty());
        return new TargetSelection(pids, exes, discover, match);
    }
}
