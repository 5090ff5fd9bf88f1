package dev.gmpwatch.remediator.testing;

import dev.gmpwatch.remediator.action.haproxy.HaproxyClient;
import dev.gmpwatch.remediator.action.haproxy.HaproxyEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A real HAProxy (Debian's package) with one backend of N servers and an admin socket in a temp dir. */
public final class HaproxyServer implements AutoCloseable {
    private final Path dir;
    private final Path socket;
    private final int adminPort;
    private Process process;

    private HaproxyServer(Path dir, Process process, Path socket, int adminPort) {
        this.dir = dir;
        this.process = process;
        this.socket = socket;
        this.adminPort = adminPort;
    }

    public static HaproxyServer start(Path dir, String backend, int servers) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/haproxy"))) {
            throw new AssertionError("HAProxy is missing (/usr/sbin/haproxy); run scripts/setup.sh");
        }
        Path socket = dir.resolve("haproxy.sock");
        int adminPort = Ports.free();
        StringBuilder cfg = new StringBuilder()
                .append("global\n  stats socket ").append(socket).append(" mode 600 level admin\n")
                .append("  stats socket ipv4@127.0.0.1:").append(adminPort).append(" level admin\n")
                .append("defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n")
                .append("frontend fe\n  bind 127.0.0.1:").append(Ports.free()).append("\n  default_backend ").append(backend).append('\n')
                .append("backend ").append(backend).append('\n');
        for (int i = 1; i <= servers; i++) {
            cfg.append("  server s").append(i).append(" 127.0.0.1:").append(19000 + i).append('\n');
        }
        Files.writeString(dir.resolve("haproxy.cfg"), cfg.toString());
        return new HaproxyServer(dir, launch(dir, socket), socket, adminPort);
    }

    private static Process launch(Path dir, Path socket) throws Exception {
        Files.deleteIfExists(socket);
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("haproxy.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("HAProxy did not start:\n" + Files.readString(dir.resolve("haproxy.log")));
            }
            Thread.sleep(50);
        }
        return p;
    }

    /** Kills HAProxy: its runtime API refuses connections until {@link #restart()}. */
    public void stop() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /** Starts it again with the same configuration: every server back to ready. */
    public void restart() throws Exception {
        process = launch(dir, socket);
    }

    /** The runtime API on TCP, for tests that put a relay in between. */
    public int adminPort() {
        return adminPort;
    }

    public Path socket() {
        return socket;
    }

    public HaproxyClient client() {
        return new HaproxyClient(new HaproxyEndpoint("test", Optional.of(socket), Optional.empty(), 0, Duration.ofSeconds(2)));
    }

    /** Server name -> "maint", "drain" or "ready", from show servers state. */
    public Map<String, String> states(String backend) throws IOException {
        List<HaproxyClient.ServerState> s = client().serversState(backend);
        return s.stream().collect(Collectors.toMap(HaproxyClient.ServerState::server,
                x -> x.inMaint() ? "maint" : x.draining() ? "drain" : "ready", (a, b) -> a, java.util.TreeMap::new));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
