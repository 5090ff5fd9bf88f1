package dev.gmpwatch.exporter.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Lists and watches the pods of one node ({@code spec.nodeName} field selector) into a
 * {@link PodIndex}. It needs only list and watch on pods. When the API cannot be reached the
 * index keeps what it had (series keep their names), the failure is counted, and the watch
 * resumes from the last resourceVersion with backoff; a 410 Gone (the version is too old) relists.
 */
public final class PodWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("gmpwatch.kubernetes");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The server ends each watch after this; a new one starts from the last version seen. */
    static final int WATCH_SECONDS = 290;
    /** A watch that has sent nothing (not even a bookmark) for this long is presumed dead. */
    private static final Duration SILENT_WATCH = Duration.ofSeconds(WATCH_SECONDS + 30);
    private static final int PAGE = 250;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final ApiServer api;
    private final String node;
    private final PodIndex index;
    private final KubernetesStats stats;
    private final HttpClient http;
    private final Duration firstBackoff;
    private volatile boolean closed;
    private volatile InputStream openWatch;
    private volatile long lastHeard;
    private Thread thread;
    private Thread watchdog;

    /** The resourceVersion to resume from; null means list first. */
    private String resourceVersion;

    public PodWatch(ApiServer api, String node, PodIndex index, KubernetesStats stats) {
        this(api, node, index, stats, Duration.ofSeconds(1));
    }

    PodWatch(ApiServer api, String node, PodIndex index, KubernetesStats stats, Duration firstBackoff) {
        this.api = api;
        this.node = node;
        this.index = index;
        this.stats = stats;
        this.firstBackoff = firstBackoff;
        this.http = HttpClient.newBuilder().sslContext(api.tls()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * Lists once, synchronously, so the first scrape already has the names (a failure is counted
     * and logged, never fatal), then watches in the background.
     */
    public void start() {
        try {
            list();
        } catch (ApiException | IOException e) {
            failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        thread = new Thread(this::loop, "gmpwatch-kubernetes");
        thread.setDaemon(true);
        thread.start();
        watchdog = new Thread(this::watchdog, "gmpwatch-kubernetes-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void loop() {
        Duration backoff = firstBackoff;
        while (!closed) {
            try {
                if (resourceVersion == null) {
                    list();
                }
                watch();
                backoff = firstBackoff;
            } catch (Gone e) {
                LOG.log(System.Logger.Level.INFO, "pod watch: resourceVersion " + resourceVersion + " expired; listing again");
                resourceVersion = null;
            } catch (ApiException | IOException e) {
                if (closed) {
                    return;
                }
                failed(e);
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void failed(Exception e) {
        stats.up(false);
        String reason = e instanceof ApiException a ? a.reason
                : e instanceof JsonProcessingException ? KubernetesStats.BAD_RESPONSE : KubernetesStats.UNREACHABLE;
        if (stats.failed(reason)) {
            LOG.log(System.Logger.Level.WARNING, "Kubernetes API at " + api.url() + ": " + e.getMessage()
                    + "; serving the names known so far and retrying (logged once per reason)");
        }
    }

    /** A full, paged list of the node's pods: the index becomes exactly these. */
    private void list() throws IOException, InterruptedException, ApiException {
        List<PodIndex.Pod> pods = new ArrayList<>();
        String cont = "";
        String version;
        do {
            JsonNode page;
            try (InputStream in = get(query("limit=" + PAGE + (cont.isEmpty() ? "" : "&continue=" + encode(cont))), Duration.ofSeconds(30))) {
                page = JSON.readTree(in);
            }
            for (JsonNode item : page.path("items")) {
                PodIndex.Pod.of(item).ifPresent(pods::add);
            }
            version = page.path("metadata").path("resourceVersion").asText("");
            cont = page.path("metadata").path("continue").asText("");
        } while (!cont.isEmpty());
        index.replaceAll(pods);
        resourceVersion = version;
        stats.listed();
        stats.up(true);
        LOG.log(System.Logger.Level.INFO, "Kubernetes: " + pods.size() + " pod(s) on node " + node + " at resourceVersion " + version);
    }

    /** Follows changes from the last version until the server ends the watch. */
    private void watch() throws IOException, InterruptedException, ApiException {
        InputStream body = get(query("watch=1&allowWatchBookmarks=true&timeoutSeconds=" + WATCH_SECONDS
                + "&resourceVersion=" + encode(resourceVersion)), Duration.ofSeconds(30));
        openWatch = body;
        lastHeard = System.nanoTime();
        stats.up(true);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lastHeard = System.nanoTime();
                if (!line.isBlank()) {
                    apply(JSON.readTree(line));
                }
            }
        } finally {
            openWatch = null;
        }
    }

    private void apply(JsonNode event) throws Gone, ApiException {
        String type = event.path("type").asText("");
        JsonNode object = event.path("object");
        if (type.equals("ERROR")) {
            if (object.path("code").asInt() == 410) {
                throw new Gone();
            }
            throw new ApiException(KubernetesStats.BAD_RESPONSE, "watch error: " + object.path("message").asText(object.toString()));
        }
        String version = object.path("metadata").path("resourceVersion").asText("");
        switch (type) {
            case "ADDED", "MODIFIED" -> PodIndex.Pod.of(object).ifPresent(index::put);
            case "DELETED" -> index.remove(object.path("metadata").path("uid").asText(""));
            case "BOOKMARK" -> {
                // only moves the version on
            }
            default -> throw new ApiException(KubernetesStats.BAD_RESPONSE, "unknown watch event type '" + type + "'");
        }
        if (!version.isEmpty()) {
            resourceVersion = version;
        }
        stats.event();
    }

    private URI query(String params) {
        return URI.create(api.url() + "/api/v1/pods?fieldSelector=" + encode("spec.nodeName=" + node) + "&" + params);
    }

    private InputStream get(URI uri, Duration headersWithin) throws IOException, InterruptedException, ApiException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(headersWithin).header("Accept", "application/json").GET();
        Optional<String> token = api.token().get();
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() == 200) {
            return r.body();
        }
        String detail;
        try (InputStream in = r.body()) {
            detail = JSON.readTree(in).path("message").asText("");
        } catch (IOException e) {
            detail = "";
        }
        if (r.statusCode() == 410) {
            throw new Gone();
        }
        String reason = switch (r.statusCode()) {
            case 401 -> KubernetesStats.UNAUTHORIZED;
            case 403 -> KubernetesStats.FORBIDDEN;
            default -> KubernetesStats.BAD_RESPONSE;
        };
        throw new ApiException(reason, "GET " + uri.getPath() + " answered " + r.statusCode() + (detail.isEmpty() ? "" : ": " + detail));
    }

    /** Closes a watch that has gone silent, so the loop reconnects. */
    private void watchdog() {
        while (!closed) {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                return;
            }
            InputStream w = openWatch;
            if (w != null && System.nanoTime() - lastHeard > SILENT_WATCH.toNanos()) {
                LOG.log(System.Logger.Level.WARNING, "pod watch silent for " + SILENT_WATCH.toSeconds() + " s; reconnecting");
                try {
                    w.close();
                } catch (IOException e) {
                    // the loop sees the stream end either way
                }
            }
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        InputStream w = openWatch;
        if (w != null) {
            try {
                w.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
        if (watchdog != null) {
            watchdog.interrupt();
        }
    }

    /** An answer that is not what a pod list or watch should be, with the self-metric reason. */
    static class ApiException extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        ApiException(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    /** 410 Gone: the resourceVersion is older than the API server keeps. */
    static final class Gone extends ApiException {
        private static final long serialVersionUID = 1L;

        Gone() {
            super(KubernetesStats.BAD_RESPONSE, "410 Gone");
        }
    }
}
