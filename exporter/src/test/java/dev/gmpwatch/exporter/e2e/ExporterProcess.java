package dev.gmpwatch.exporter.e2e;

import dev.gmpwatch.exporter.testing.FixtureProcess;
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

/** The packaged exporter jar, run as a separate process on a free loopback port. */
public final class ExporterProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("serving (https?://\\S+?)(/\\S*)?, watching");
    private final Process process;
    private final Path log;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    private ExporterProcess(Process process, Path log, String base) {
        this.process = process;
        this.log = log;
        this.base = base;
    }

    public static ExporterProcess start(String... flags) throws Exception {
        String jar = System.getProperty("gmpwatch.exporterJar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError("the exporter jar is missing (" + jar + "); run the tests through mvn verify");
        }
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", jar, "--web.listen-address", "127.0.0.1:0"));
        cmd.addAll(List.of(flags));
        Path log = Files.createTempFile("gmpwatch-exporter", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(Files.readString(log));
            if (m.find()) {
                return new ExporterProcess(p, log, m.group(1));
            }
            if (!p.isAlive()) {
                throw new AssertionError("the exporter exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new AssertionError("the exporter did not start within 60 s:\n" + Files.readString(log));
    }

    /** http://host:port of the exporter. */
    public String baseUrl() {
        return base;
    }

    public Scrape scrape() throws IOException, InterruptedException {
        return new Scrape(get("/metrics").body());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Scrapes until the process is watched (its target_info says so). */
    public Scrape awaitWatching(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Scrape s = scrape();
            if (s.has("gmpwatch_target_info", "pid", Long.toString(pid), "status", "watching")) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("pid " + pid + " was never watched; exporter log:\n" + logText());
    }

    /**
     * Waits until the process is served with its probes counting. A process of an --exe binary
     * registers itself on its first probe hit and is adopted at the next rescan, which can come
     * after it is first served from its state.
     */
    public Scrape awaitProbed(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String p = Long.toString(pid);
        while (System.nanoTime() < deadline) {
            Scrape s = scrape();
            for (String mode : new String[] {"emulated", "singlestep"}) {
                if (s.sum("gmpwatch_target_info", "pid", p, "probe_mode", mode, "status", "watching") == 1) {
                    return s;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("pid " + pid + " was never served with its probes; exporter log:\n" + logText());
    }

    /** Waits for a fixture's answer and a scrape after it. */
    Scrape after(FixtureProcess fixture, String command) throws Exception {
        fixture.send(command);
        fixture.await("done", Duration.ofSeconds(60));
        return scrape();
    }

    String logText() throws IOException {
        return Files.readString(log);
    }

    /** Stops it the way systemd or Kubernetes would (SIGTERM) and returns its exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            String threads = threadDump();
            process.destroyForcibly();
            throw new AssertionError("the exporter ignored SIGTERM for 30 s; its threads:\n" + threads);
        }
        return process.exitValue();
    }

    /** The JVM prints its threads on SIGQUIT into the log: what a hung shutdown waits on. */
    private String threadDump() throws InterruptedException {
        try {
            int before = logText().length();
            new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid())).inheritIO().start().waitFor();
            Thread.sleep(1000);
            return logText().substring(before);
        } catch (IOException e) {
            return "(no thread dump: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
