package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.discovery.TargetStatus;
import dev.gmpwatch.exporter.discovery.Targets;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.runtime.RunQueueReader;
import dev.gmpwatch.exporter.sampling.Readers;
import dev.gmpwatch.exporter.sampling.RunQueueSampler;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What sampling the run queues costs. Part 1: one process with GOMAXPROCS=8 and busy run queues,
 * the full scheduler-wide read of a scrape beside the run-queue read of a sample, in interleaved
 * rounds (CPU per read: median and the rounds' spread, and bytes allocated per read). Part 2: the
 * sampler at 10, 25 (the default), 50 and 100 samples a second on PROCESSES idle fixtures, as a
 * share of one core and per process sample.
 * usage: RunQueueSamplingBenchmark [ROUNDS] [PROCESSES] [SECONDS]   (defaults: 9 50 15)
 */
public final class RunQueueSamplingBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final int READS_PER_ROUND = 2000;

    private RunQueueSamplingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int processes = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        GoToolchain go = GoToolchain.newest();
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.STRIPPED);
        GoBinary binary = GoBinary.analyze(bin);
        readCost(binary, bin, go, rounds);
        for (double rate : new double[] {10, RunQueueSampler.DEFAULT_RATE, 50, 100}) {
            samplerCost(binary, bin, processes, seconds, rate);
        }
    }

    private static void readCost(GoBinary binary, Path bin, GoToolchain go, int rounds) throws Exception {
        try (FixtureProcess p = FixtureProcess.start(List.of("env", "GOMAXPROCS=8", bin.toString()))) {
            p.await("ready", WAIT);
            p.send("bursts 2000 20 50");
            p.await("done", WAIT);
            long bias = ProcessMemory.loadBias(Procfs.HOST, p.pid(), binary.pie(), binary.imageBase());
            try (ProcessReader r = ProcessReader.open(Procfs.HOST, p.pid(), binary, bias)) {
                RunQueueReader q = r.runQueues();
                RunQueueReader.Sample s = new RunQueueReader.Sample();
                for (int i = 0; i < 20_000; i++) { // warm the JIT for both
                    q.read(s);
                    if (i % 10 == 0) {
                        r.scheduler();
                    }
                }
                double[] full = new double[rounds];
                double[] sample = new double[rounds];
                long allocated = 0;
                long peak = 0;
                com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                long self = Thread.currentThread().getId();
                for (int round = 0; round < rounds; round++) { // CPU time: the busy target takes both cores, so wall time is ours and its
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < READS_PER_ROUND; i++) {
                        r.scheduler();
                    }
                    full[round] = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / READS_PER_ROUND;
                    long a0 = mx.getThreadAllocatedBytes(self);
                    long t1 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < READS_PER_ROUND; i++) {
                        q.read(s);
                        peak = Math.max(peak, s.global());
                    }
                    sample[round] = (mx.getCurrentThreadCpuTime() - t1) / 1e3 / READS_PER_ROUND;
                    allocated += mx.getThreadAllocatedBytes(self) - a0;
                }
                p.send("bursts 0 0 0");
                p.await("done", WAIT);
                System.out.printf("run-queue read against the scrape's scheduler-wide read (%s, stripped, GOMAXPROCS=8, bursts of"
                        + " 2000 goroutines every 20 ms; %d interleaved rounds of %d reads):%n", go.version(), rounds, READS_PER_ROUND);
                System.out.printf("  scheduler-wide read:  median %7.1f us CPU  (rounds %.1f-%.1f)%n", Medians.of(full), min(full), max(full));
                System.out.printf("  run-queue read:       median %7.1f us CPU  (rounds %.1f-%.1f), %d bytes read, %.2f bytes allocated per read%n",
                        Medians.of(sample), min(sample), max(sample), q.bytesPerRead(), (double) allocated / (rounds * READS_PER_ROUND));
                System.out.printf("  ratio: %.1fx cheaper; deepest global queue seen %d%n", Medians.of(full) / Medians.of(sample), peak);
            }
        }
    }

    /** Reads between long sleeps cost several times a hot loop's: the caches and the page walks are cold again. */
    private static void samplerCost(GoBinary binary, Path bin, int processes, int seconds, double rate) throws Exception {
        List<FixtureProcess> fixtures = new ArrayList<>();
        try {
            List<Target> targets = new ArrayList<>();
            for (int i = 0; i < processes; i++) {
                FixtureProcess p = FixtureProcess.start(bin);
                fixtures.add(p);
                p.await("ready", WAIT);
                long bias = ProcessMemory.loadBias(Procfs.HOST, p.pid(), binary.pie(), binary.imageBase());
                targets.add(new Target(p.pid(), "spawner", binary, bias, Target.PROBES_OFF, ContainerIdentity.NONE));
            }
            Targets fixed = new Targets() {
                @Override
                public Collection<Target> targets() {
                    return List.copyOf(targets);
                }

                @Override
                public List<TargetStatus> skipped() {
                    return List.of();
                }

                @Override
                public long attachErrors() {
                    return 0;
                }
            };
            try (RunQueueSampler sampler = new RunQueueSampler(fixed, new Readers(Procfs.HOST, 1, 0), rate)) {
                sampler.start();
                Thread.sleep(3000); // warm
                RunQueueSampler.Cost c0 = sampler.cost();
                long t0 = System.nanoTime();
                Thread.sleep(seconds * 1000L);
                RunQueueSampler.Cost c1 = sampler.cost();
                double wall = (System.nanoTime() - t0) / 1e9;
                long failures = targets.stream().mapToLong(t -> sampler.depths(t).map(d -> d.failures()).orElse(-1L)).sum();
                double cpu = c1.cpuSeconds() - c0.cpuSeconds();
                System.out.printf("the sampler at %.0f samples/s on %d processes for %.0f s: %d rounds, CPU %.1f ms/s = %.2f%% of one core,"
                        + " %.1f us per process sample, %d failed samples%n", rate, processes, wall,
                        c1.rounds() - c0.rounds(), cpu / wall * 1e3, cpu / wall * 100, cpu / ((c1.rounds() - c0.rounds()) * processes) * 1e6,
                        failures);
            }
        } finally {
            for (FixtureProcess p : fixtures) {
                p.close();
            }
        }
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }
}
