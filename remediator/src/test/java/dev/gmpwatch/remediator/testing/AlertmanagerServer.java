package dev.gmpwatch.remediator.testing;

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

/** A real Alertmanager (Debian's prometheus-alertmanager) on loopback, fed through its own API. */
public final class AlertmanagerServer implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
    private final HttpClient http = HttpClient.newHttpClient();
    private final Process process;
    private final int port;

    private AlertmanagerServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Writes dir/alertmanager.yml: one route to the remediator's webhook with the bearer token
     * file, group_wait and group_interval 1 s.
     */
    public static Path routeToRemediator(Path dir, int remediatorPort, Path tokenFile, String groupBy, boolean sendResolved)
            throws IOException {
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                route:
                  receiver: gmpwatch
                  group_by: [%s]
                  group_wait: 1s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: gmpwatch
                    webhook_configs:
                      - url: http://127.0.0.1:%d/webhook/alertmanager
                        send_resolved: %s
                        http_config:
                          authorization:
                            credentials_file: %s
                """.formatted(groupBy, remediatorPort, sendResolved, tokenFile));
        return config;
    }

    /**
     * Writes dir/NAME: one route whose receiver posts every notification to each replica's
     * webhook (as HA Alertmanagers do when each replica is listed), one group per alert.
     */
    public static Path routeToReplicas(Path dir, String name, List<Integer> replicaPorts, Path tokenFile) throws IOException {
        StringBuilder hooks = new StringBuilder();
        for (int port : replicaPorts) {
            hooks.append("      - url: http://127.0.0.1:").append(port).append("/webhook/alertmanager\n")
                    .append("        send_resolved: true\n")
                    .append("        http_config: {authorization: {credentials_file: ").append(tokenFile).append("}}\n");
        }
        Path config = dir.resolve(name);
        Files.writeString(config, """
                route:
                  receiver: gmpwatch
                  group_by: ['...']
                  group_wait: 0s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: gmpwatch
                    webhook_configs:
                """ + hooks);
        return config;
    }

    /** Starts two Alertmanagers that gossip with each other, as an HA pair. */
    public static AlertmanagerServer[] startCluster(Path dir, Path config) throws Exception {
        int gossip1 = Ports.free();
        int gossip2 = Ports.free();
        AlertmanagerServer a = start(dir, "am1", config, "--cluster.listen-address=127.0.0.1:" + gossip1,
                "--cluster.peer=127.0.0.1:" + gossip2);
        try {
            return new AlertmanagerServer[] {a, start(dir, "am2", config, "--cluster.listen-address=127.0.0.1:" + gossip2,
                    "--cluster.peer=127.0.0.1:" + gossip1)};
        } catch (Exception | AssertionError e) {
            a.close();
            throw e;
        }
    }

    /**
     * Starts it with its storage and log under dir/NAME and waits until it is ready. Without
     * cluster flags it runs alone ({@code --cluster.listen-address=}).
     */
    public static AlertmanagerServer start(Path dir, String name, Path config, String... clusterFlags) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing; run scripts/setup.sh");
        }
        int port = Ports.free();
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--config.file=" + config,
                "--storage.path=" + dir.resolve(name), "--web.listen-address=127.0.0.1:" + port));
        cmd.addAll(clusterFlags.length == 0 ? List.of("--cluster.listen-address=") : List.of(clusterFlags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        AlertmanagerServer am = new AlertmanagerServer(p, port);
        Waits.until(() -> Waits.ok("http://127.0.0.1:" + port + "/-/ready"), Duration.ofSeconds(30), "Alertmanager to start", p);
        return am;
    }

    public int port() {
        return port;
    }

    /** POSTs alerts (a JSON array) to /api/v2/alerts. */
    public void post(String alerts) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v2/alerts"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(alerts)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("Alertmanager refused the alerts: " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public void close() throws InterruptedException {
        Waits.stop(process);
    }
}
