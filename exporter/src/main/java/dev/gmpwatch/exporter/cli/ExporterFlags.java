package dev.gmpwatch.exporter.cli;

import dev.gmpwatch.exporter.collect.CollectorName;
import dev.gmpwatch.exporter.probe.OverheadBudget;
import dev.gmpwatch.exporter.runtime.GoroutineStackReader;
import dev.gmpwatch.exporter.sampling.RunQueueSampler;
import dev.gmpwatch.exporter.sampling.StateSampler;
import java.util.ArrayList;
import java.util.List;

/**
 * Every flag of the exporter's commands, with its default and its help: the one place parsing,
 * {@code --help} and the flag reference in docs/exporter.md come from.
 */
final class ExporterFlags {
    static final String DEFAULT_LISTEN = ":19467";
    static final String WALK_MAX_GOROUTINES = "1000000";

    static final FlagTable RUN = new FlagTable("gmpwatch-exporter [run]", concat(List.of(
            Flag.repeated("pid", "N", "watch this process"),
            Flag.repeated("exe", "PATH", "watch every process that runs this executable, now and later; with --probes the probes sit on the file,"
                    + " so even processes that live for milliseconds are counted from their first goroutine"),
            Flag.toggle("discover", "watch every Go process on the host (the default when no --pid or --exe is given)"),
            Flag.value("discover.interval", "DURATION", "5s", "how often /proc is rescanned for new and exited processes"),
            Flag.value("discover.match", "REGEX", null, "with --discover, only executables whose path matches"),
            Flag.value("web.listen-address", "ADDRESS", DEFAULT_LISTEN, "where to serve HTTP (outside the 9100-9999 range that"
                    + " Prometheus' port allocations have filled)"),
            Flag.value("web.telemetry-path", "PATH", "/metrics", "the metrics path"),
            Flag.value("web.config.file", "FILE", null, "TLS and basic authentication for every endpoint, in the Prometheus"
                    + " exporter-toolkit format"),
            Flag.value("creators.top-k", "N", "20", "creators shown per process in gmpwatch_goroutines_by_creator; the rest are summed"
                    + " in creator=\"other\""),
            Flag.value("walk.max-goroutines", "N", WALK_MAX_GOROUTINES, "a walk of a process's goroutines reads at most this many"
                    + " entries of allgs; gmpwatch_goroutine_walk_capped says when it stopped early"),
            Flag.value("walk.min-interval", "DURATION", "10s", "walks of one process are at least this far apart, and at least 50 times"
                    + " their own duration (at most 2% of one CPU); the scheduler-wide numbers are read on every scrape; 0s walks on"
                    + " every scrape"),
            Flag.value("walk.history-max-goroutines", "N", Integer.toString(StateSampler.Limits.DEFAULT_HISTORY), "waiting goroutines per"
                    + " process whose stuck age the walks track (at most 64 bytes each); the rest are counted in"
                    + " gmpwatch_goroutine_history_untracked; 0 turns stuck ages off"),
            Flag.value("sched.sample-rate", "HZ", Long.toString((long) RunQueueSampler.DEFAULT_RATE), "how many times a second each"
                    + " process's run queues are sampled between scrapes, for the gmpwatch_sampled_* histograms (one read of a few"
                    + " words per P; docs/benchmarks.md has the cost); --no-collector.runqueue turns sampling off"),
            Flag.toggle("probes", "the per-event mode: also attach uprobes for exact transitions, parks and lifetimes (amd64"
                    + " binaries; an arm64 one is served in the default mode and shows probe_mode=\"unsupported_arch\")"),
            Flag.value("probes.match", "REGEX", null, "the per-event mode only for executables whose path matches (implies --probes)"),
            Flag.value("probes.budget", "FRACTION", Double.toString(OverheadBudget.DEFAULT_FRACTION), "the per-event mode's budget, as a"
                    + " share of one CPU: a process whose probes cost more has them detached, keeps its state metrics and shows"
                    + " probe_mode=\"over_budget\""),
            Flag.toggle("kernel.runqueue", "also count how long each process's threads wait on a CPU run queue, from the kernel's"
                    + " sched_wakeup and sched_switch tracepoints (BTF; needs CAP_BPF and CAP_PERFMON, no tracefs), for"
                    + " gmpwatch_thread_runqueue_latency_seconds"),
            Flag.toggle("kubernetes", "add namespace, pod and container to every per-process series from the pods of this node,"
                    + " through the in-cluster service account (docs/kubernetes.md)"),
            Flag.value("kubernetes.kubeconfig", "FILE", null, "reach the API with this kubeconfig's current context instead"
                    + " (implies --kubernetes)"),
            Flag.value("kubernetes.node", "NAME", null, "the node whose pods to watch (default: $NODE_NAME)")),
            collectorFlags()));

    /** --collector.NAME and --no-collector.NAME for each collector, in scrape order. */
    private static List<Flag> collectorFlags() {
        List<Flag> out = new ArrayList<>();
        for (CollectorName c : CollectorName.values()) {
            String when = c.needs().isEmpty() ? "" : "with --" + c.needs() + ", ";
            out.add(Flag.toggle("collector." + c.label(), when + "serve " + c.serves() + " (the default)"));
            out.add(Flag.toggle("no-collector." + c.label(), "serve none of the " + c.label() + " collector's families"));
        }
        return out;
    }

    private static List<Flag> concat(List<Flag> a, List<Flag> b) {
        List<Flag> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    static final FlagTable GOROUTINES = new FlagTable("gmpwatch-exporter goroutines PID", List.of(
            Flag.toggle("json", "the report as JSON (with --since: the diff as JSON)"),
            Flag.toggle("stacks", "where each goroutine blocks: stacks grouped, like /debug/pprof/goroutine?debug=1"),
            Flag.value("pprof", "FILE", null, "write the stacks as a pprof goroutine profile"),
            Flag.value("since", "FILE", null, "compare with a goroutine profile saved earlier: which stacks grew and shrank, with counts"),
            Flag.value("by", "label:KEY", null, "live goroutines by the value of a pprof label"),
            Flag.value("walk.max-goroutines", "N", WALK_MAX_GOROUTINES, "read at most this many entries of allgs"),
            Flag.value("stacks.max-goroutines", "N", Long.toString(GoroutineStackReader.Limits.DEFAULT_MAX_GOROUTINES),
                    "unwind at most this many goroutines' stacks"),
            Flag.value("stacks.max-frames", "N", Integer.toString(GoroutineStackReader.Limits.DEFAULT_MAX_FRAMES),
                    "frames per stack, at most " + GoroutineStackReader.Limits.MAX_FRAMES)));

    private ExporterFlags() {
    }
}
