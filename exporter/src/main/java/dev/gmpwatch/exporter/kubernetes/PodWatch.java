package dev.gmpwatch.exporter.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;

/**
 * Lists and watches the pods of one node ({@code spec.nodeName} field selector) into a
 * {@link PodIndex}. It needs only list and watch on pods. When the API cannot be reached the
 * index keeps what it had (series keep their names), the failure is counted, and the watch
 * resumes from the last resourceVersion with backoff; a 410 Gone (the version is too old) relists.
 *
 * <p>It uses the JDK's HttpsURLConnection and jackson-core's streaming parser: measured, the
 * JDK's HttpClient and Jackson's tree model added 7.7 MB of resident memory to the exporter for
 * what is one request at a time.
 */
public final class PodWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("gmpwatch.kubernetes");
    /** The server ends each watch after this; a new one starts from the last version seen. */
    static final int WATCH_SECONDS = 290;
    /** A watch that has sent nothing (not even a bookmark) for this long is presumed dead: the read times out. */
    private static final Duration SILENT_WATCH = Duration.ofSeconds(WATCH_SECONDS + 30);
    private static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);
    private static final int PAGE = 250;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final ApiServer api;
    private final String node;
    private final PodIndex index;
    private final KubernetesStats stats;
    private final Duration firstBackoff;
    private volatile boolean closed;
    private Thread thread;

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
        }
        thread = new Thread(this::loop, "gmpwatch-kubernetes");
        thread.setDaemon(true);
        thread.start();
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
    private void list() throws IOException, ApiException {
        List<PodIndex.Pod> pods = new ArrayList<>();
        String cont = "";
        String version;
        do {
            PodJson.Page page;
            HttpURLConnection c = get("limit=" + PAGE + (cont.isEmpty() ? "" : "&continue=" + encode(cont)), LIST_TIMEOUT);
            try (InputStream in = c.getInputStream()) {
                page = PodJson.page(in);
            }
            pods.addAll(page.pods());
            version = page.resourceVersion();
            cont = page.continueToken();
        } while (!cont.isEmpty());
        index.replaceAll(pods);
        resourceVersion = version;
        stats.listed();
        stats.up(true);
        LOG.log(System.Logger.Level.INFO, "Kubernetes: " + pods.size() + " pod(s) on node " + node + " at resourceVersion " + version);
    }

    /** Follows changes from the last version until the server ends the watch. */
    private void watch() throws IOException, ApiException {
        HttpURLConnection c = get("watch=1&allowWatchBookmarks=true&timeoutSeconds=" + WATCH_SECONDS
                + "&resourceVersion=" + encode(resourceVersion), SILENT_WATCH);
        stats.up(true);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (!closed && (line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    apply(PodJson.event(line));
                }
            }
        }
    }

    private void apply(PodJson.Event e) throws ApiException {
        switch (e.type()) {
            case "ERROR" -> {
                if (e.code() == 410) {
                    throw new Gone();
                }
                throw new ApiException(KubernetesStats.BAD_RESPONSE, "watch error " + e.code() + ": " + e.message());
            }
            case "ADDED", "MODIFIED" -> e.pod().ifPresent(index::put);
            case "DELETED" -> index.remove(e.uid());
            case "BOOKMARK" -> {
                // only moves the version on
            }
            default -> throw new ApiException(KubernetesStats.BAD_RESPONSE, "unknown watch event type '" + e.type() + "'");
        }
        if (!e.resourceVersion().isEmpty()) {
            resourceVersion = e.resourceVersion();
        }
        stats.event();
    }

    /** GET /api/v1/pods for this node with more query parameters; the connection, once it answered 200. */
    private HttpURLConnection get(String params, Duration readTimeout) throws IOException, ApiException {
        URL url = new URL(api.url() + "/api/v1/pods?fieldSelector=" + encode("spec.nodeName=" + node) + "&" + params);
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        if (c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(api.tls().getSocketFactory());
            api.hostnames().ifPresent(https::setHostnameVerifier);
        }
        c.setConnectTimeout(5_000);
        c.setReadTimeout((int) readTimeout.toMillis());
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty("Accept", "application/json");
        api.token().get().ifPresent(t -> c.setRequestProperty("Authorization", "Bearer " + t));
        int status = c.getResponseCode();
        if (status == 200) {
            return c;
        }
        String detail = "";
        try (InputStream err = c.getErrorStream()) {
            if (err != null) {
                String body = new String(err.readNBytes(4096), StandardCharsets.UTF_8);
                detail = body.replaceAll("(?s).*\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\".*", "$1");
                detail = detail.equals(body) ? "" : detail;
            }
        }
        if (status == 410) {
            throw new Gone();
        }
        String reason = switch (status) {
            case 401 -> KubernetesStats.UNAUTHORIZED;
            case 403 -> KubernetesStats.FORBIDDEN;
            default -> KubernetesStats.BAD_RESPONSE;
        };
        throw new ApiException(reason, "GET " + url.getPath() + " answered " + status + (detail.isEmpty() ? "" : ": " + detail));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Stops the loop without waiting for it. A watch blocked in its read is left to end on its
     * own (the thread is a daemon, so it never holds the JVM up): disconnecting the connection
     * from here would wait on the lock the reading thread holds, which hung shutdown on SIGTERM.
     */
    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
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
