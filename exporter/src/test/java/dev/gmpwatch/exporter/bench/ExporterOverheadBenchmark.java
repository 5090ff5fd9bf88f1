package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.e2e.ExporterProcess;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.host.ProcessMemory;
import dev.gmpwatch.exporter.host.Procfs;
import dev.gmpwatch.exporter.runtime.GoroutineCensus;
import dev.gmpwatch.exporter.runtime.ProcessReader;
import dev.gmpwatch.exporter.runtime.StuckHistory;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exporter's cost, side by side in one run (interleaved rounds, medians, and the spread of the
 * untraced rounds as the run-to-run noise): the 1,000,000-goroutine program and a net/http
 * server's requests/s under wrk, each untraced, in the default mode scraped every second, and in
 * the per-event mode; then the scrape cost for a process with 10k, 100k and 1M live goroutines.
 * Run it with scripts/bench-exporter.sh.
 */
public final class ExporterOverheadBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(10);
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

    private enum Mode {
        UNTRACED("untraced"), STATE("default mode (state), scraped every 1 s"), EVENTS("per-event mode (--probes)");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    private ExporterOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int goroutines = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        GoToolchain go = GoToolchain.newest();
        System.out.printf("gmpwatch exporter overhead, %s, %d interleaved rounds, medians%n%n", go.version(), rounds);
        if (args.length > 2 && args[2].equals("walk")) { // the walk's cost alone, history on and off
            scrapeCost(go, List.of(10_000, 100_000, 1_000_000), rounds);
            return;
        }
        goroutineProgram(go, goroutines, rounds);
        httpServer(go, rounds);
        scrapeCost(go, List.of(10_000, 100_000, 1_000_000), rounds);
    }

    private static void goroutineProgram(GoToolchain go, int n, int rounds) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
        double[][] t = new double[Mode.values().length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (Mode m : Mode.values()) {
                t[m.ordinal()][r] = spawn(bin, n, m);
            }
        }
        double base = Medians.of(t[0]);
        System.out.printf("%,d goroutines started and finished (run-to-run noise of untraced: %s):%n", n, spread(t[0]));
        for (Mode m : Mode.values()) {
            double v = Medians.of(t[m.ordinal()]);
            System.out.printf("  %-44s %8.3f s  %6.3fx%n", m.label, v, v / base);
        }
        System.out.println();
    }

    private static double spawn(Path bin, int n, Mode mode) throws Exception {
        try (FixtureProcess p = FixtureProcess.start(bin); Scraper scraper = Scraper.start(p.pid(), mode)) {
            p.await("ready", WAIT);
            scraper.awaitWatching();
            long t0 = System.nanoTime();
            p.send("spawn " + n);
            p.await("done", WAIT);
            double s = (System.nanoTime() - t0) / 1e9;
            scraper.checkCreated(n);
            return s;
        }
    }

    private static void httpServer(GoToolchain go, int rounds) throws Exception {
        Path bin = GoFixtures.build(go, "httpserver", GoFixtures.Variant.NORMAL);
        double[][] rps = new double[Mode.values().length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (Mode m : Mode.values()) {
                rps[m.ordinal()][r] = requestsPerSecond(bin, m);
            }
        }
        double base = Medians.of(rps[0]);
        System.out.printf("net/http server under wrk (1 thread, 32 connections, 10 s, loopback; noise of untraced: %s):%n",
                spread(rps[0]));
        for (Mode m : Mode.values()) {
            double v = Medians.of(rps[m.ordinal()]);
            System.out.printf("  %-44s %10.0f req/s  %5.1f%% loss%n", m.label, v, (1 - v / base) * 100);
        }
        System.out.println();
    }

    private static double requestsPerSecond(Path bin, Mode mode) throws Exception {
        try (FixtureProcess server = FixtureProcess.start(bin)) {
            String addr = server.await("ready", WAIT);
            try (Scraper scraper = Scraper.start(server.pid(), mode)) {
                scraper.awaitWatching();
                String out = Command.check(List.of("wrk", "-t1", "-c32", "-d10s", "http://" + addr + "/"),
                        Map.of(), null, Duration.ofMinutes(2));
                Matcher m = RPS.matcher(out);
                if (!m.find()) {
                    throw new AssertionError("no Requests/sec in wrk output:\n" + out);
                }
                return Double.parseDouble(m.group(1));
            }
        }
    }

    /**
     * What one scrape costs for a process with many live goroutines: the counters, then the walk,
     * without and with the stuck history (interleaved walks, the history kept across them).
     */
    private static void scrapeCost(GoToolchain go, List<Integer> sizes, int rounds) throws Exception {
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
        GoBinary binary = GoBinary.analyze(bin);
        System.out.printf("scrape cost per process (reads of /proc/PID/mem; median of %d interleaved walks):%n", rounds);
        System.out.printf("  %12s %16s %14s %16s %20s %8s %14s %14s%n", "goroutines", "scheduler-wide", "walk",
                "per goroutine", "with history", "ratio", "history", "bytes read");
        for (int size : sizes) {
            try (FixtureProcess p = FixtureProcess.start(bin)) {
                p.await("ready", WAIT);
                p.send("leak " + size);
                p.await("done", WAIT);
                long bias = ProcessMemory.loadBias(Procfs.HOST, p.pid(), binary.pie(), binary.imageBase());
                try (ProcessReader r = ProcessReader.open(Procfs.HOST, p.pid(), binary, bias)) {
                    double[] sched = new double[rounds];
                    double[] walk = new double[rounds];
                    double[] aged = new double[rounds];
                    StuckHistory history = new StuckHistory(2 * size, System.nanoTime());
                    long bytes = 0;
                    long bytesAged = 0;
                    r.census(Long.MAX_VALUE, history, System.nanoTime()); // fills the history, as a running exporter has
                    for (int i = 0; i < rounds; i++) {
                        long t0 = System.nanoTime();
                        r.scheduler();
                        sched[i] = (System.nanoTime() - t0) / 1e3;
                        GoroutineCensus c = r.census(Long.MAX_VALUE);
                        walk[i] = c.nanos() / 1e6;
                        bytes = c.bytesRead();
                        GoroutineCensus h = r.census(Long.MAX_VALUE, history, System.nanoTime());
                        aged[i] = h.nanos() / 1e6;
                        bytesAged = h.bytesRead();
                        if (c.live() < size || h.history().tracked() < size) {
                            throw new AssertionError("the walks saw " + c.live() + " and tracked " + h.history().tracked() + " of " + size);
                        }
                    }
                    double w = Medians.of(walk);
                    double a = Medians.of(aged);
                    System.out.printf("  %,12d %13.0f us %11.1f ms %13.3f us %11.3f us/gor %7.2fx %11.1f MB %,14d (%,d with history)%n",
                            size, Medians.of(sched), w, w * 1e3 / size, a * 1e3 / size, a / w, history.bytes() / 1e6, bytes, bytesAged);
                }
            }
        }
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        double med = Medians.of(v);
        return String.format("%+.1f%% .. %+.1f%% around the median", (s[0] / med - 1) * 100, (s[s.length - 1] / med - 1) * 100);
    }

    /** The exporter in one mode, scraped every second like Prometheus would; nothing when untraced. */
    private static final class Scraper implements AutoCloseable {
        private final long pid;
        private final ExporterProcess exporter;
        private final Thread thread;
        private final AtomicBoolean stop = new AtomicBoolean();

        private Scraper(long pid, ExporterProcess exporter) {
            this.pid = pid;
            this.exporter = exporter;
            this.thread = exporter == null ? null : new Thread(this::loop, "bench-scraper");
        }

        static Scraper start(long pid, Mode mode) throws Exception {
            ExporterProcess e = switch (mode) {
                case UNTRACED -> null;
                case STATE -> ExporterProcess.start("--pid", Long.toString(pid));
                case EVENTS -> ExporterProcess.start("--probes", "--probes.budget", "1", "--pid", Long.toString(pid));
            };
            Scraper s = new Scraper(pid, e);
            if (s.thread != null) {
                s.thread.setDaemon(true);
                s.thread.start();
            }
            return s;
        }

        void awaitWatching() throws Exception {
            if (exporter != null) {
                exporter.awaitWatching(pid);
            }
        }

        void checkCreated(int atLeast) throws Exception {
            if (exporter != null) {
                double created = exporter.scrape().value("gmpwatch_goroutines_created_total", "pid", Long.toString(pid));
                if (created < atLeast) {
                    throw new AssertionError("the exporter counted " + created + " of at least " + atLeast);
                }
            }
        }

        private void loop() {
            while (!stop.get()) {
                try {
                    exporter.scrape();
                    Thread.sleep(1000);
                } catch (Exception e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            if (thread != null) {
                thread.interrupt();
                thread.join(5000);
            }
            if (exporter != null) {
                exporter.stop();
            }
        }
    }
}
