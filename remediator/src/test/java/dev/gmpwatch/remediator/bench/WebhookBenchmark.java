package dev.gmpwatch.remediator.bench;

import dev.gmpwatch.remediator.testing.Ports;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives the packaged remediator's webhook with wrk on loopback (200 connections, a realistic v4
 * payload with a new alert in every request) while its HAProxy target hangs (accepts, never
 * answers). Prints throughput, p50/p99 latency and errors. Run it with scripts/bench-remediator.sh.
 */
public final class WebhookBenchmark {
    private WebhookBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String seconds = args.length > 0 ? args[0] : "15";
        Path dir = Files.createTempDirectory("gmpwatch-bench");
        List<Socket> hung = new ArrayList<>();
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!blackHole.isClosed()) {
                    try {
                        hung.add(blackHole.accept()); // accept and never answer: a hung target
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            int port = Ports.free();
            Files.writeString(dir.resolve("token"), "bench-token\n");
            Files.writeString(dir.resolve("r.yml"), TestConfig.sqlite(dir).listen("127.0.0.1:" + port)
                    .section("haproxy", "{lb: {address: \"127.0.0.1:" + blackHole.getLocalPort() + "\", timeout: 30s}}")
                    .policy("goroutine-leak", "{alertname: GoroutineLeak}", "{type: haproxy, haproxy: lb, backend: \"{{ labels.backend }}\", server: \"{{ labels.server }}\"}", TestConfig.DEFAULT_LIMITS)
                    .yaml());
            Process r = new ProcessBuilder("java", "-jar", System.getProperty("gmpwatch.remediatorJar"), "--config",
                    dir.resolve("r.yml").toString()).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
            try {
                awaitHealthy(port);
                Files.writeString(dir.resolve("post.lua"), LUA);
                // Warm the JIT first, as a long-running service would be; that run is not reported.
                new ProcessBuilder("wrk", "-t2", "-c200", "-d5s", "-s", dir.resolve("post.lua").toString(),
                        "http://127.0.0.1:" + port + "/webhook/alertmanager").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                Process wrk = new ProcessBuilder("wrk", "-t2", "-c200", "-d" + seconds + "s", "--latency", "-s",
                        dir.resolve("post.lua").toString(), "http://127.0.0.1:" + port + "/webhook/alertmanager")
                        .redirectErrorStream(true).start();
                String out = new String(wrk.getInputStream().readAllBytes());
                wrk.waitFor();
                System.out.println("Webhook under wrk (2 threads, 200 connections, " + seconds + " s, loopback),"
                        + " after a 5 s warm-up, HAProxy target hanging; new alert per request:");
                System.out.println(out);
                System.out.println("target hung on " + hung.size() + " connection(s) meanwhile");
            } finally {
                r.destroy();
                r.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            for (Socket s : hung) {
                s.close();
            }
        }
    }

    private static void awaitHealthy(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 300; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the remediator did not start");
    }

    /** A v4 notification with a fresh fingerprint per request, as Alertmanager sends it. */
    private static final String LUA = """
            counter = 0
            wrk.method = "POST"
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["Authorization"] = "Bearer bench-token"
            request = function()
              counter = counter + 1
              local fp = string.format("%x%08x", math.random(0, 65535), counter)
              local body = '{"version":"4","groupKey":"{}:{alertname=\\\\"GoroutineLeak\\\\"}","truncatedAlerts":0,' ..
                '"status":"firing","receiver":"gmpwatch","groupLabels":{"alertname":"GoroutineLeak"},' ..
                '"commonLabels":{"alertname":"GoroutineLeak","severity":"critical"},"commonAnnotations":{},' ..
                '"externalURL":"http://alertmanager:9093","alerts":[{"status":"firing","labels":{"alertname":' ..
                '"GoroutineLeak","severity":"critical","backend":"web","server":"s' .. (counter % 50) .. '","job":"api"},' ..
                '"annotations":{"summary":"goroutines growing","description":"created - exited over 100/s"},' ..
                '"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z",' ..
                '"generatorURL":"http://prometheus:9090/graph","fingerprint":"' .. fp .. '"}]}'
              return wrk.format(nil, nil, nil, body)
            end
            """;
}
