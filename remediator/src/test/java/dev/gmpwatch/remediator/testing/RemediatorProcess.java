package dev.gmpwatch.remediator.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The packaged remediator jar, run with a config file; its output is appended to dir/remediator.log. */
public final class RemediatorProcess implements AutoCloseable {
    private final HttpClient http = HttpClient.newHttpClient();
    private final Process process;
    private final int port;
    private final Path log;

    private RemediatorProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts it and waits for /healthz; {@code port} must be the one the config listens on. */
    public static RemediatorProcess start(Path dir, Path config, int port) throws Exception {
        Path log = dir.resolve("remediator.log");
        Process p = new ProcessBuilder("java", "-jar", System.getProperty("gmpwatch.remediatorJar"), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Waits.until(() -> Waits.ok("http://127.0.0.1:" + port + "/healthz"), Duration.ofSeconds(30), "the remediator to start", p);
        return new RemediatorProcess(p, port, log);
    }

    public Process process() {
        return process;
    }

    /** The audit log as the API returns it (the bearer token is needed). */
    public String audit(String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/actions?limit=1000"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Waits until the audit log contains {@code text}. */
    public void awaitAudit(String token, String text) throws InterruptedException {
        Waits.until(() -> audit(token).contains(text), Duration.ofSeconds(30), "the audit log to say '" + text + "'", process);
    }

    public String logText() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        Waits.stop(process);
    }
}
