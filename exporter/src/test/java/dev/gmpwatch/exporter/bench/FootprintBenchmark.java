package dev.gmpwatch.exporter.bench;

import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.testkit.ContainerCgroup;
import dev.gmpwatch.testkit.KubeCluster;
import dev.gmpwatch.testkit.Kubelet;
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
 * exporter analyses one by one, as on a host of different services. With
 * -Dgmpwatch.kubernetesPods=N (at least 50) a real kube-apiserver holds N pods of the node, 50 of
 * them the fixtures' (each moved into its container's cgroup), and every setting is measured
 * twice, side by side: without and with --kubernetes.
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
        int pods = Integer.getInteger("gmpwatch.kubernetesPods", 0);
        List<ContainerCgroup> cgroups = new ArrayList<>();
        KubeCluster cluster = null;
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
            List<String[]> modes = new ArrayList<>();
            modes.add(new String[0]);
            if (pods > 0) {
                cluster = KubeCluster.start(Files.createTempDirectory("gmpwatch-footprint-kube"));
                Path kubeconfig = Files.createTempFile("gmpwatch-footprint", ".kubeconfig");
                Files.writeString(kubeconfig, cluster.kubeconfig(cluster.adminToken()));
                pods(cluster, pods, fleet, cgroups);
                modes.add(new String[] {"--kubernetes.kubeconfig", kubeconfig.toString(), "--kubernetes.node", NODE});
                System.out.printf("a real kube-apiserver holds %d pods of node %s (50 of them the fixtures')%n", pods, NODE);
            }
            System.out.printf("exporter footprint, 50 Go processes (200 goroutines each, %s) scraped every 1 s for %d s:%n",
                    distinct ? "50 distinct binaries" : "one binary", seconds);
            System.out.printf("  %-60s %10s %12s %12s %10s %14s%n", "JVM settings", "startup", "RSS steady", "RSS max", "CPU", "1M walk peak");
            for (int i = 1; i < args.length; i++) {
                String setting = args[i];
                for (String[] mode : modes) {
                    Steady s = steady(launcher, setting, seconds, mode);
                    long peak = walkPeak(launcher, setting, bin, mode);
                    String label = setting + (mode.length == 0 ? "" : " --kubernetes");
                    System.out.printf("  %-60s %8.2f s %9.1f MB %9.1f MB %8.2f %% %11.1f MB%n", label, s.startupSeconds,
                            s.rssMedianKb / 1024.0, s.rssMaxKb / 1024.0, s.cpuPercent, peak / 1024.0);
                }
            }
        } finally {
            fleet.forEach(FixtureProcess::close);
            for (ContainerCgroup c : cgroups) {
                c.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static final String NODE = "bench-node";

    /**
     * {@code n} pods of one node, as big as a Deployment's usually are (labels, an owner, a
     * last-applied annotation, two containers); the first 50 are the fixtures', in their cgroups.
     */
    private static void pods(KubeCluster cluster, int n, List<FixtureProcess> fleet, List<ContainerCgroup> cgroups) throws Exception {
        cluster.createNode(NODE, 64);
        cluster.createNamespace("bench");
        Kubelet kubelet = new Kubelet(cluster, NODE);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode container = json.readTree("""
                {"env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "REGION", "value": "eu-west-1"}],
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
                 "ports": [{"containerPort": 8080, "name": "http"}]}""");
        for (int i = 0; i < n; i++) {
            String name = "svc-" + (i % 10) + "-7c9f5d-" + String.format("%05d", i);
            String uid = kubelet.createPod("bench", name, java.util.Map.of("app", "svc-" + (i % 10), "pod-template-hash", "7c9f5d",
                    "team", "payments"), container, null, "app", "sidecar");
            ContainerCgroup cg = ContainerCgroup.create(ContainerCgroup.Layout.CGROUPFS_V1, uid);
            cgroups.add(cg);
            if (i < fleet.size()) {
                cg.add(fleet.get(i).pid());
            }
            kubelet.reportRunning("bench", name, "10.244." + (i / 250) + "." + (i % 250 + 1),
                    java.util.Map.of("app", cg.runtimeContainerId(), "sidecar", "containerd://" + "f".repeat(63) + (i % 10)));
        }
    }


    private record Steady(double startupSeconds, double rssMedianKb, long rssMaxKb, double cpuPercent) {
    }

    private static Steady steady(Path launcher, String setting, int seconds, String... extra) throws Exception {
        long t0 = System.nanoTime();
        List<String> flags = new ArrayList<>(List.of("--discover", "--discover.match", "spawner-"));
        flags.addAll(List.of(extra));
        try (Running ex = Running.start(launcher, setting, flags.toArray(String[]::new))) {
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
    private static long walkPeak(Path launcher, String setting, Path bin, String... extra) throws Exception {
        try (FixtureProcess big = FixtureProcess.start(bin)) {
            big.await("ready", WAIT);
            big.send("leak 1000000");
            big.await("done", WAIT);
            List<String> flags = new ArrayList<>(List.of("--pid", Long.toString(big.pid()), "--walk.min-interval", "0s"));
            flags.addAll(List.of(extra));
            try (Running ex = Running.start(launcher, setting, flags.toArray(String[]::new))) {
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
