package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.e2e.ExporterProcess;
import dev.gmpwatch.exporter.e2e.Scrape;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The run-queue experiment of the source document's table 2.3, reproducible: one goroutine starts
 * N goroutines in a tight loop (each returns at once), for N from 100k to 1M, watched by the
 * packaged exporter in the per-event mode with the run queues sampled 100 times a second. For each
 * step it prints what the sampler saw of the global and local queues, the local-queue overflows
 * and steals the probes counted, and the runtime's own scheduling-latency p99, side by side.
 * usage: RunQueueExperiment [N...]   (defaults: 100000 250000 500000 1000000)
 */
public final class RunQueueExperiment {
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final List<Long> GLOBAL_EDGES = List.of(0L, 1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L, 262144L, 1048576L);
    private static final List<Long> LOCAL_EDGES = List.of(0L, 1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 255L, 256L);

    private RunQueueExperiment() {
    }

    public static void main(String[] args) throws Exception {
        long[] sizes = args.length > 0 ? java.util.Arrays.stream(args).mapToLong(Long::parseLong).toArray()
                : new long[] {100_000, 250_000, 500_000, 1_000_000};
        GoToolchain go = GoToolchain.newest();
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.STRIPPED);
        try (FixtureProcess fx = FixtureProcess.start(List.of("env", "GOMAXPROCS=2", bin.toString()))) {
            fx.await("ready", WAIT);
            String pid = Long.toString(fx.pid());
            try (ExporterProcess exporter = ExporterProcess.start("--probes", "--pid", pid, "--probes.budget", "1",
                    "--sched.sample-rate", "100")) {
                exporter.awaitProbed(fx.pid());
                System.out.printf("run queues while one goroutine starts N goroutines (%s, stripped, GOMAXPROCS=2, sampled 100/s):%n%n",
                        go.version());
                System.out.println("| goroutines | time | samples | global depth p50 / p99 / max | deepest local p99 | samples with a full"
                        + " local queue | overflows | goroutines through overflow | steals (failed) | runtime latency p99 |");
                System.out.println("|---|---|---|---|---|---|---|---|---|---|");
                for (long n : sizes) {
                    Scrape before = exporter.scrape();
                    long t0 = System.nanoTime();
                    fx.send("spawn " + n);
                    fx.await("done", WAIT);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Thread.sleep(100); // one more sample after the last goroutine ran
                    Scrape after = exporter.scrape();
                    System.out.println(row(n, seconds, before, after, pid));
                }
            }
        }
    }

    private static String row(long n, double seconds, Scrape before, Scrape after, String pid) {
        String global = "gmpwatch_sampled_global_run_queue_depth";
        String local = "gmpwatch_sampled_local_run_queue_max_depth";
        double samples = after.since(before, global + "_count", "pid", pid);
        double full = after.since(before, "gmpwatch_sampled_local_run_queue_full_total", "pid", pid);
        double overflows = after.since(before, "gmpwatch_runqueue_overflows_total", "pid", pid);
        double steals = after.since(before, "gmpwatch_steal_attempts_total", "pid", pid);
        double failed = after.since(before, "gmpwatch_steal_failures_total", "pid", pid);
        return String.format("| %,d | %.2f s | %.0f | %s / %s / %s | %s | %.1f%% | %,.0f | %.1f%% | %,.0f (%.0f%%) | %s |", n, seconds, samples,
                quantile(before, after, global, GLOBAL_EDGES, 0.5, pid), quantile(before, after, global, GLOBAL_EDGES, 0.99, pid),
                quantile(before, after, global, GLOBAL_EDGES, 1.0, pid), quantile(before, after, local, LOCAL_EDGES, 0.99, pid),
                samples > 0 ? 100 * full / samples : 0, overflows, 100 * 129 * overflows / n, steals, steals > 0 ? 100 * failed / steals : 0,
                latencyP99(before, after, pid));
    }

    /** The smallest bucket edge that holds the quantile of the samples taken between the scrapes, as "≤ edge". */
    private static String quantile(Scrape before, Scrape after, String name, List<Long> edges, double q, String pid) {
        double count = after.since(before, name + "_count", "pid", pid);
        if (count == 0) {
            return "-";
        }
        for (long e : edges) {
            if (after.since(before, name + "_bucket", "pid", pid, "le", Long.toString(e)) >= q * count) {
                return e == 0 ? "0" : "≤ " + e;
            }
        }
        return "> " + edges.get(edges.size() - 1);
    }

    /** The runtime's own scheduling-latency p99 between the scrapes, as the bucket edge that holds it. */
    private static String latencyP99(Scrape before, Scrape after, String pid) {
        String name = "gmpwatch_sched_latency_seconds";
        double count = after.since(before, name + "_count", "pid", pid);
        if (count == 0) {
            return "-";
        }
        for (int e = 10; e <= 36; e += 2) {
            double le = (1L << e) / 1e9;
            if (after.since(before, name + "_bucket", "pid", pid, "le", Double.toString(le)) >= 0.99 * count) {
                return le < 1e-3 ? String.format("≤ %.0f µs", le * 1e6) : String.format("≤ %.1f ms", le * 1e3);
            }
        }
        return "> 68.7 s";
    }
}
