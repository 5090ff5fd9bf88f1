package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoroutineStackReader;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.stacks.StackProfile;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What reading every goroutine's stack costs: a process with N blocked goroutines (half in a
 * channel receive, half asleep), its stacks unwound and grouped from outside, median of the rounds.
 * Prints time, bytes read, both per goroutine, and the groups found.
 * usage: StackCostBenchmark [ROUNDS] [SIZE...]   (defaults: 5 10000 100000)
 */
public final class StackCostBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(5);

    private StackCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int[] sizes = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {10_000, 100_000};
        GoToolchain go = GoToolchain.newest();
        System.out.printf("goroutine stacks read from outside (%s, stripped; median of %d), amd64 native and arm64 under qemu-user:%n",
                go.version(), rounds);
        System.out.printf("  %-6s %12s %12s %16s %16s %14s %8s%n", "arch", "goroutines", "time", "per goroutine", "bytes read",
                "per goroutine", "stacks");
        for (int size : sizes) {
            double[] perGoroutine = new double[Machine.values().length];
            for (Machine machine : Machine.values()) {
                perGoroutine[machine.ordinal()] = measure(go, machine, size, rounds);
            }
            System.out.printf("  arm64/amd64 per goroutine at %,d: %.2fx%n", size,
                    perGoroutine[Machine.ARM64.ordinal()] / perGoroutine[Machine.AMD64.ordinal()]);
        }
    }

    /** Prints one row and returns the median time per goroutine in microseconds. */
    private static double measure(GoToolchain go, Machine machine, int size, int rounds) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.STRIPPED, machine);
        GoBinary binary = GoBinary.analyze(bin);
        try (FixtureProcess p = FixtureProcess.start(machine, bin)) {
            p.await("ready", WAIT);
            p.send("leak " + size / 2);
            p.await("done", WAIT);
            p.send("doze " + (size - size / 2));
            p.await("done", WAIT);
            long bias = ProcessMemory.loadBias(Procfs.HOST, p.pid(), binary.pie(), binary.imageBase());
            try (ProcessReader r = ProcessReader.open(Procfs.HOST, p.pid(), binary, bias)) {
                double[] ms = new double[rounds];
                long bytes = 0;
                int groups = 0;
                for (int i = 0; i < rounds; i++) {
                    StackProfile sp = StackProfile.read(p.pid(), "spawner", r, new GoroutineStackReader.Limits(Long.MAX_VALUE, 128));
                    ms[i] = sp.stats().nanos() / 1e6;
                    bytes = sp.stats().bytesRead();
                    groups = sp.groups().size();
                    if (sp.total() < size || sp.incomplete() > 0) {
                        throw new AssertionError(machine + ": read " + sp.total() + " of " + size + ", " + sp.incomplete() + " incomplete");
                    }
                }
                double m = Medians.of(ms);
                System.out.printf("  %-6s %,12d %9.1f ms %13.2f us %,16d %11.0f B %8d%n", machine.goarch(), size, m, m * 1e3 / size,
                        bytes, (double) bytes / size, groups);
                return m * 1e3 / size;
            }
        }
    }
}
