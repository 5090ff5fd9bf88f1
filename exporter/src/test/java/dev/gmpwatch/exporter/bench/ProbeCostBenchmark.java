package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.bpf.BpfLink;
import dev.gmpwatch.exporter.bpf.ProbeCounter;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.HookedFunction;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a counting probe on runtime.newproc1 costs a program that starts N goroutines: untraced,
 * probed at the site gmpwatch chooses, and probed at the function entry as other tracers do.
 * The three run interleaved in each round, so machine noise hits them alike; the medians and
 * their ratios are printed. Run it with scripts/bench-probe-cost.sh.
 */
public final class ProbeCostBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(5);

    private enum Config { UNTRACED, CHOSEN_SITE, ENTRY }

    private ProbeCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int goroutines = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<GoToolchain> toolchains = List.of(GoToolchain.all().get(0), GoToolchain.all().get(1));
        System.out.printf("Probe cost on runtime.newproc1: %,d goroutines, %d interleaved rounds, median wall time%n%n",
                goroutines, rounds);
        System.out.printf("%-10s %-44s %10s %9s %12s %12s%n", "go", "configuration", "seconds", "ratio", "ns/hit", "hits");
        for (GoToolchain go : toolchains) {
            Path binary = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
            HookedFunction chosen = GoBinary.analyze(binary).hookedFunctions().get(0);
            HookedFunction entry = new HookedFunction(chosen.name(), chosen.address(), chosen.fileOffset(),
                    chosen.fileOffset(), "singlestep", "entry", false, "function entry, as other tracers attach");
            Map<Config, double[]> seconds = new LinkedHashMap<>();
            Map<Config, Long> hits = new LinkedHashMap<>();
            for (Config c : Config.values()) {
                seconds.put(c, new double[rounds]);
            }
            for (int r = 0; r < rounds; r++) {
                for (Config c : Config.values()) {
                    HookedFunction site = c == Config.ENTRY ? entry : chosen;
                    long[] count = {0};
                    seconds.get(c)[r] = run(binary, goroutines, c == Config.UNTRACED ? null : site, count);
                    hits.put(c, count[0]);
                }
            }
            double base = Medians.of(seconds.get(Config.UNTRACED));
            for (Config c : Config.values()) {
                double s = Medians.of(seconds.get(c));
                String label = switch (c) {
                    case UNTRACED -> "no probe";
                    case CHOSEN_SITE -> String.format("gmpwatch site +0x%x %s (%s)", chosen.probeOffset() - chosen.fileOffset(),
                            chosen.instruction(), chosen.probeMode());
                    case ENTRY -> "function entry (singlestep)";
                };
                String perHit = c == Config.UNTRACED ? "-" : String.format("%.0f", (s - base) * 1e9 / goroutines);
                System.out.printf("%-10s %-44s %10.3f %8.2fx %12s %,12d%n", go.version(), label, s, s / base, perHit, hits.get(c));
            }
            double chosenExtra = Medians.of(seconds.get(Config.CHOSEN_SITE)) - base;
            double entryExtra = Medians.of(seconds.get(Config.ENTRY)) - base;
            System.out.printf("%-10s added time, entry vs gmpwatch site: %s%n%n", go.version(),
                    chosenExtra > 0 ? String.format("%.1fx", entryExtra / chosenExtra) : "n/a (gmpwatch site within noise)");
        }
    }

    /** One timed run; returns seconds from the spawn command to the fixture's answer. */
    private static double run(Path binary, int goroutines, HookedFunction site, long[] count) throws Exception {
        try (FixtureProcess p = FixtureProcess.start(binary); ProbeCounter counter = new ProbeCounter()) {
            p.await("ready", WAIT);
            BpfLink link = site == null ? null : counter.attach(0, (int) p.pid(), binary.toString(), site);
            try {
                long t0 = System.nanoTime();
                p.send("spawn " + goroutines);
                p.await("done", WAIT);
                double s = (System.nanoTime() - t0) / 1e9;
                count[0] = counter.read(0).calls();
                return s;
            } finally {
                if (link != null) {
                    link.close();
                }
            }
        }
    }
}
