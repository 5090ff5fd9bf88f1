package dev.gmpwatch.remediator.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Go fixture that mounts deploy/gomaxprocs, built at test time with the newest Go on the
 * machine, running, and reporting its GOMAXPROCS every 100 ms.
 */
public final class GomaxprocsService implements AutoCloseable {
    private static final Map<String, Path> BUILT = new java.util.HashMap<>();

    private final Process process;
    private final String address;
    private final AtomicInteger gomaxprocs = new AtomicInteger(-1);
    private final java.util.List<String> timeline = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final long started = System.nanoTime();

    private GomaxprocsService(Process process, String address) {
        this.process = process;
        this.address = address;
    }

    public static GomaxprocsService start(Map<String, String> env) throws Exception {
        return start(env, "1.19");
    }

    /**
     * @param goDirective the go line of the fixture's go.mod; "1.25" or later makes a Go 1.25+
     *                    runtime follow its cgroup's CPU quota
     */
    public static GomaxprocsService start(Map<String, String> env, String goDirective) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(binary(goDirective).toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first == null || !first.startsWith("ready ")) {
            p.destroyForcibly();
            throw new AssertionError("the gomaxprocs fixture did not start: " + first);
        }
        GomaxprocsService s = new GomaxprocsService(p, first.substring(6).strip());
        Thread reader = new Thread(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    if (l.startsWith("gomaxprocs ")) {
                        int v = Integer.parseInt(l.substring(11).strip());
                        if (s.gomaxprocs.getAndSet(v) != v) {
                            s.timeline.add(String.format("%6.1f s  GOMAXPROCS %d", (System.nanoTime() - s.started) / 1e9, v));
                        }
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // the fixture exited
            }
        }, "gomaxprocs-fixture");
        reader.setDaemon(true);
        reader.start();
        while (s.gomaxprocs.get() < 0) {
            Thread.sleep(20);
        }
        return s;
    }

    /** Every change of the printed value, with the time since start. */
    public java.util.List<String> timeline() {
        return java.util.List.copyOf(timeline);
    }

    /** Marks an event in the timeline (load changes and the like). */
    public void mark(String event) {
        timeline.add(String.format("%6.1f s  %s", (System.nanoTime() - started) / 1e9, event));
    }

    /** host:port of its admin endpoint. */
    public String address() {
        return address;
    }

    public long pid() {
        return process.pid();
    }

    /** The value it last printed (every 100 ms). */
    public int gomaxprocs() {
        return gomaxprocs.get();
    }

    /** Waits up to {@code millis} for the printed value to become {@code expected}; returns the last value seen. */
    public int await(int expected, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (gomaxprocs.get() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return gomaxprocs.get();
    }

    private static synchronized Path binary(String goDirective) throws Exception {
        if (BUILT.containsKey(goDirective)) {
            return BUILT.get(goDirective);
        }
        Path go = Path.of("/usr/local/go/bin/go");
        if (!Files.isExecutable(go)) {
            throw new AssertionError("the newest Go (/usr/local/go) is missing");
        }
        Path repo = Repo.root();
        Path src = repo.resolve("remediator/src/test/resources/fixtures/gomaxprocs-service");
        Path work = Files.createTempDirectory("gomaxprocs-fixture");
        Files.copy(src.resolve("main.go"), work.resolve("main.go"));
        Files.writeString(work.resolve("go.mod"), Files.readString(src.resolve("go.mod.in"))
                .replace("@DEPLOY@", repo.resolve("deploy").toString()).replace("@GOVERSION@", goDirective));
        Path out = work.resolve("gomaxprocs-service");
        ProcessBuilder pb = new ProcessBuilder(go.toString(), "build", "-o", out.toString(), ".").directory(work.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(Map.of("GOTOOLCHAIN", "local", "GOFLAGS", "-mod=mod", "CGO_ENABLED", "0"));
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("building the gomaxprocs fixture failed:\n" + log);
        }
        BUILT.put(goDirective, out);
        return out;
    }

    /** Runs the shipped package's own tests with a toolchain; returns go test's output. */
    public static String goTest(Path go) throws Exception {
        Path repo = Repo.root();
        ProcessBuilder pb = new ProcessBuilder(go.toString(), "test", "./...").directory(repo.resolve("deploy/gomaxprocs").toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(Map.of("GOTOOLCHAIN", "local", "GOFLAGS", "-mod=mod"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(go + " test failed:\n" + out);
        }
        return out;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
