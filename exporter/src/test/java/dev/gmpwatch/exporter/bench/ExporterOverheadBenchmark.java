package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.bpf.BpfLink;
import dev.gmpwatch.exporter.bpf.ProbeCounter;
import dev.gmpwatch.exporter.e2e.ExporterProcess;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.HookedFunction;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole exporter's cost, side by side in one run (interleaved rounds, medians):
 * the 1,000,000-goroutine program untraced, traced by the exporter, and with one counting probe
 * at the entry of runtime.newproc1 (how bpftrace attaches); and the requests/s of a net/http
 * server under wrk, untraced and traced. Run it with scripts/bench-exporter.sh.
 */
public final class ExporterOverheadBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(10);
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

    private ExporterOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int goroutines = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        GoToolchain go = GoToolchain.newest();
        System.out.printf("gmpwatch exporter overhead, %s, %d interleaved rounds, medians%n%n", go.version(), rounds);
        goroutineProgram(go, goroutines, rounds);
        httpServer(go, rounds);
    }

    private static void goroutineProgram(GoToolchain go, int n, int rounds) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
        HookedFunction chosen = GoBinary.analyze(bin).hookedFunctions().get(0);
        HookedFunction entry = new HookedFunction(chosen.name(), chosen.address(), chosen.fileOffset(),
                chosen.fileOffset(), "singlestep", "entry", false, "");
        double[] untraced = new double[rounds];
        double[] traced = new double[rounds];
        double[] atEntry = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            untraced[r] = spawn(bin, n, Mode.UNTRACED, entry);
            traced[r] = spawn(bin, n, Mode.EXPORTER, entry);
            atEntry[r] = spawn(bin, n, Mode.ENTRY_PROBE, entry);
        }
        double base = Medians.of(untraced);
        System.out.printf("%,d goroutines started and finished:%n", n);
        System.out.printf("  %-48s %8.3f s  %6.2fx%n", "untraced", base, 1.0);
        System.out.printf("  %-48s %8.3f s  %6.2fx%n", "traced by the gmpwatch exporter", Medians.of(traced), Medians.of(traced) / base);
        System.out.printf("  %-48s %8.3f s  %6.2fx%n%n", "one counting probe at newproc1's entry (bpftrace)",
                Medians.of(atEntry), Medians.of(atEntry) / base);
    }

    private enum Mode { UNTRACED, EXPORTER, ENTRY_PROBE }

    private static double spawn(Path bin, int n, Mode mode, HookedFunction entry) throws Exception {
        try (FixtureProcess p = FixtureProcess.start(bin)) {
            p.await("ready", WAIT);
            ExporterProcess exporter = null;
            ProbeCounter counter = null;
            BpfLink link = null;
            try {
                if (mode == Mode.EXPORTER) {
                    exporter = ExporterProcess.start("--pid", Long.toString(p.pid()));
                    exporter.awaitWatching(p.pid());
                } else if (mode == Mode.ENTRY_PROBE) {
                    counter = new ProbeCounter();
                    link = counter.attach(0, (int) p.pid(), bin.toString(), entry);
                }
                long t0 = System.nanoTime();
                p.send("spawn " + n);
                p.await("done", WAIT);
                double s = (System.nanoTime() - t0) / 1e9;
                if (exporter != null) {
                    double created = exporter.scrape().value("gmpwatch_goroutines_created_total", "pid", Long.toString(p.pid()));
                    if (created != n) {
                        throw new AssertionError("the exporter counted " + created + " of " + n);
                    }
                }
                return s;
            } finally {
                if (link != null) {
                    link.close();
                }
                if (counter != null) {
                    counter.close();
                }
                if (exporter != null) {
                    exporter.stop();
                }
            }
        }
    }

    private static void httpServer(GoToolchain go, int rounds) throws Exception {
        Path bin = GoFixtures.build(go, "httpserver", GoFixtures.Variant.NORMAL);
        double[] untraced = new double[rounds];
        double[] traced = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            untraced[r] = requestsPerSecond(bin, false);
            traced[r] = requestsPerSecond(bin, true);
        }
        double u = Medians.of(untraced);
        double t = Medians.of(traced);
        System.out.println("net/http server under wrk (1 thread, 32 connections, 10 s, loopback):");
        System.out.printf("  %-48s %10.0f req/s%n", "untraced", u);
        System.out.printf("  %-48s %10.0f req/s  (%.1f%% loss)%n", "traced by the gmpwatch exporter", t, (1 - t / u) * 100);
    }

    private static double requestsPerSecond(Path bin, boolean trace) throws Exception {
        try (FixtureProcess server = FixtureProcess.start(bin)) {
            String addr = server.await("ready", WAIT);
            ExporterProcess exporter = null;
            try {
                if (trace) {
                    exporter = ExporterProcess.start("--pid", Long.toString(server.pid()));
                    exporter.awaitWatching(server.pid());
                }
                String out = Command.check(List.of("wrk", "-t1", "-c32", "-d10s", "http://" + addr + "/"),
                        Map.of(), null, Duration.ofMinutes(2));
                Matcher m = RPS.matcher(out);
                if (!m.find()) {
                    throw new AssertionError("no Requests/sec in wrk output:\n" + out);
                }
                return Double.parseDouble(m.group(1));
            } finally {
                if (exporter != null) {
                    exporter.stop();
                }
            }
        }
    }
}
