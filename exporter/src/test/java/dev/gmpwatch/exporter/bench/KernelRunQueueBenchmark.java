package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.probe.KernelRunQueue;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * What --kernel.runqueue's tracepoints cost a context-switch-heavy program: two goroutines on two
 * locked threads pass a value back and forth, so every pass is a wakeup and a switch. Interleaved
 * rounds of three settings: no tracepoints; attached but the process not watched (what every
 * other process on the host pays); attached and watched. Median per round trip, and the spread.
 * usage: KernelRunQueueBenchmark [ROUNDS] [ROUND_TRIPS]   (defaults: 7 50000)
 */
public final class KernelRunQueueBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(2);

    private KernelRunQueueBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int trips = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        GoToolchain go = GoToolchain.newest();
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.STRIPPED);
        String[] names = {"no tracepoints", "attached, not watched", "attached and watched"};
        double[][] perTrip = new double[3][rounds];
        try (FixtureProcess p = FixtureProcess.start(bin)) {
            p.await("ready", WAIT);
            pingpong(p, trips); // warm
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 3; k++) {
                    int setting = (r + k) % 3; // rotate the order from round to round
                    perTrip[setting][r] = measure(p, trips, setting);
                }
            }
        }
        double base = Medians.of(perTrip[0]);
        System.out.printf("--kernel.runqueue on a ping-pong across two threads (%s, %d round trips, median of %d interleaved rounds):%n",
                go.version(), trips, rounds);
        for (int s = 0; s < 3; s++) {
            double m = Medians.of(perTrip[s]);
            System.out.printf("  %-24s %7.2f us per round trip  %.3fx  (rounds %.2f-%.2f)%n", names[s], m, m / base,
                    min(perTrip[s]), max(perTrip[s]));
        }
        System.out.printf("  noise: the untraced rounds spread %+.1f%% .. %+.1f%% around their median%n",
                (min(perTrip[0]) / base - 1) * 100, (max(perTrip[0]) / base - 1) * 100);
    }

    private static double measure(FixtureProcess p, int trips, int setting) throws Exception {
        if (setting == 0) {
            return pingpong(p, trips);
        }
        try (KernelRunQueue k = new KernelRunQueue()) {
            if (setting == 2) {
                k.watchOnly(Set.of(p.pid()));
            }
            return pingpong(p, trips);
        }
    }

    /** Microseconds per round trip, as the fixture timed them. */
    private static double pingpong(FixtureProcess p, int trips) throws Exception {
        p.send("pingpong " + trips);
        String done = p.await("done", WAIT);
        return Long.parseLong(done) / 1e3 / trips;
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }
}
