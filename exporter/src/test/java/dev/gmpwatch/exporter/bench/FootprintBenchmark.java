package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exporter's own footprint, for each JVM setting given, side by side in one run: start-up to
 * the first scrape that shows every process, resident memory and CPU while watching 50 Go
 * processes scraped every second, and the resident peak while a 1,000,000-goroutine process is
 * walked. A setting is a quoted string of JVM flags; "shipped" means the launcher's defaults.
 * With -Dgmpwatch.distinctBinaries=true the 50 processes run 50 copies of the binary, which the
 * exporter analyses one by one, as on a host of different services.
 * usage: FootprintBenchmark SECONDS SETTING...
 */
public final class FootprintBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final Pattern SERVING = Pattern.compile("serving (https?://\\S+?)(/\\S*)?, watching");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final long TICKS = 100; // USER_HZ

    private FootprintBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        Path launcher = Path.of(System.getProperty("gmpwatch.repoRoot"), "deploy/bin/gmpwatch-exporter");
        GoToolchain go = GoToolchain.newest();
        Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.STRIPPED);
        boolean distinct = Boolean.getBoolean("gmpwatch.distinctBinaries");
        Path copies = Files.createTempDirectory("gmpwatch-fleet");
        List<FixtureProcess> fleet = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Path exe = bin;
                if (distinct) {
                    exe = Files.copy(bin, copies.resolve("spawner-" + i));
                }
                FixtureProcess p = FixtureProcess.start(exe);
                p.await("ready", WAIT);
                p.send("leak 200");
                p.await("done", WAIT);
                fleet.add(p);
            }
            System.out.printf("exporter footprint, 50 Go processes (200 goroutines each, %s) scraped every 1 s for %d s:%n",
                    distinct ? "50 distinct binaries" : "one binary", seconds);
            System.out.printf("  %-60s %10s %12s %12s %10s %14s%n", "JVM settings", "startup", "RSS steady", "RSS max", "CPU", "1M walk peak");
            for (int i = 1; i < args.length; i++) {
                String setting = args[i];
                Steady s = steady(launcher, setting, seconds);
                long peak = walkPeak(launcher, setting, bin);
                System.out.printf("  %-60s %8.2f s %9.1f MB %9.1f MB %8.2f %% %11.1f MB%n", setting, s.startupSeconds,
                        s.rssMedianKb / 1024.0, s.rssMaxKb / 1024.0, s.cpuPercent, peak / 1024.0);
            }
        } finally {
            fleet.forEach(FixtureProcess::close);
        }
    }

    private record Steady(double startupSeconds, double rssMedianKb, long rssMaxKb, double cpuPercent) {
    }

    private static Steady steady(Path launcher, String setting, int seconds) throws Exception {
        long t0 = System.nanoTime();
        try (Running ex = Running.start(launcher, setting, "--discover", "--discover.match", "spawner-")) {
            while (watching(ex.get("/metrics")) < 50) {
                if (System.nanoTime() - t0 > WAIT.toNanos()) {
                    throw new AssertionError("the exporter never watched all 50 processes");
                }
                Thread.sleep(50);
            }
            double startup = (System.nanoTime() - t0) / 1e9;
            long cpu0 = cpuTicks(ex.pid());
            long w0 = System.nanoTime();
            double[] rss = new double[seconds];
            long max = 0;
            for (int i = 0; i < seconds; i++) {
                ex.get("/metrics");
                Thread.sleep(1000);
                long kb = status(ex.pid(), "VmRSS");
                rss[i] = kb;
                max = Math.max(max, kb);
            }
            double cpu = (cpuTicks(ex.pid()) - cpu0) / (double) TICKS / ((System.nanoTime() - w0) / 1e9) * 100;
            double[] lastHalf = java.util.Arrays.copyOfRange(rss, seconds / 2, seconds);
            ex.assertHealthy();
            return new Steady(startup, Medians.of(lastHalf), max, cpu);
        }
    }

    /** VmHWM of an exporter that walks a 1,000,000-goroutine process on every scrape, five times. */
    private static long walkPeak(Path launcher, String setting, Path bin) throws Exception {
        try (FixtureProcess big = FixtureProcess.start(bin)) {
            big.await("ready", WAIT);
            big.send("leak 1000000");
            big.await("done", WAIT);
            try (Running ex = Running.start(launcher, setting, "--pid", Long.toString(big.pid()), "--walk.min-interval", "0s")) {
                for (int i = 0; i < 5; i++) {
                    String body = ex.get("/metrics");
                    if (!body.contains("gmpwatch_goroutines_live")) {
                        i--;
                        Thread.sleep(200);
                    }
                }
                long peak = status(ex.pid(), "VmHWM");
                ex.assertHealthy();
                return peak;
            }
        }
    }

    private static int watching(String metrics) {
        int n = 0;
        for (String l : metrics.split("\n")) {
            if (l.startsWith("gmpwatch_target_info{") && l.contains("status=\"watching\"")) {
                n++;
            }
        }
        return n;
    }

    private static long status(long pid, String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith(field + ":")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no " + field + " for pid " + pid);
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
    }

    /** An exporter started through the launcher with one JVM setting. */
    private static final class Running implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final String base;

        private Running(Process process, Path log, String base) {
            this.process = process;
            this.log = log;
            this.base = base;
        }

        static Running start(Path launcher, String setting, String... flags) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--web.listen-address", "127.0.0.1:0"));
            cmd.addAll(List.of(flags));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("GMPWATCH_JAR", System.getProperty("gmpwatch.exporterJar"));
            if (!setting.equals("shipped")) {
                pb.environment().put("GMPWATCH_JAVA_OPTS", setting);
            }
            Path log = Files.createTempFile("gmpwatch-footprint", ".log");
            Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Matcher m = SERVING.matcher(Files.readString(log));
                if (m.find()) {
                    return new Running(p, log, m.group(1));
                }
                if (!p.isAlive()) {
                    throw new AssertionError("the exporter exited: " + Files.readString(log));
                }
                Thread.sleep(20);
            }
            p.destroyForcibly();
            throw new AssertionError("the exporter did not start: " + Files.readString(log));
        }

        /** The java process itself (the launcher execs it). */
        long pid() {
            return process.pid();
        }

        String get(String path) throws Exception {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }

        void assertHealthy() throws IOException {
            String text = Files.readString(log);
            if (!process.isAlive() || text.contains("OutOfMemoryError")) {
                throw new AssertionError("the exporter failed: " + text);
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
