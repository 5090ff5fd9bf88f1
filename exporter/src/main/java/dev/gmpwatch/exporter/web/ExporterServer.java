package dev.gmpwatch.exporter.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.gmpwatch.exporter.collect.GoroutineReport;
import dev.gmpwatch.exporter.discovery.Target;
import dev.gmpwatch.exporter.discovery.TargetWatcher;
import dev.gmpwatch.exporter.runtime.GoroutineStackReader;
import dev.gmpwatch.exporter.runtime.SnapshotException;
import dev.gmpwatch.exporter.runtime.StuckHistory;
import dev.gmpwatch.exporter.sampling.Readers;
import dev.gmpwatch.exporter.stacks.StackDiff;
import dev.gmpwatch.exporter.stacks.StackPprof;
import dev.gmpwatch.exporter.stacks.StackProfile;
import dev.gmpwatch.exporter.stacks.StackText;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** The exporter's HTTP endpoints: metrics, a landing page, /healthz and the goroutine and stack API. */
public final class ExporterServer implements AutoCloseable {

    private final Semaphore stackReads = new Semaphore(1);
    /** Each watched process's last stack read, for the diff endpoint (turned into stacks only for a diff). */
    private final Map<Long, StackProfile> lastStacks = new HashMap<>();
    private final BasicAuth auth;
    private final HttpServer server;
    private final CollectorRegistry registry;
    private final TargetWatcher watcher;
    private final Readers readers;
    private final String telemetryPath;

    /**
     * @param web TLS and basic authentication ({@code --web.config.file}); {@link WebConfig#none()} for plain HTTP
     */
    public ExporterServer(InetSocketAddress address, String telemetryPath, CollectorRegistry registry,
                          TargetWatcher watcher, Readers readers, WebConfig web) throws IOException {
        this.registry = registry;
        this.watcher = watcher;
        this.readers = readers;
        this.telemetryPath = telemetryPath;
        this.auth = new BasicAuth(web.users());
        if (web.tls().isPresent()) {
            SSLContext ctx = web.sslContext().orElseThrow();
            HttpsServer https = HttpsServer.create(address, 16);
            https.setHttpsConfigurator(new Configurator(ctx, web.tls().get()));
            this.server = https;
        } else {
            this.server = HttpServer.create(address, 16);
        }
        server.createContext("/", this::route);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "gmpwatch-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Whether the server speaks TLS. */
    public boolean tls() {
        return server instanceof HttpsServer;
    }

    private void route(HttpExchange ex) throws IOException {
        try (ex) {
            if (auth.enabled() && !auth.allows(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"gmpwatch\"");
                send(ex, 401, "text/plain", "Unauthorized\n");
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                send(ex, 405, "text/plain", "method not allowed\n");
            } else if (path.equals(telemetryPath)) {
                metrics(ex);
            } else if (path.equals("/healthz")) {
                send(ex, 200, "text/plain", "ok\n");
            } else if (path.equals("/api/v1/goroutines")) {
                goroutines(ex);
            } else if (path.equals("/api/v1/goroutines/stacks") || path.equals("/api/v1/pprof/goroutine")) {
                stacks(ex, path.endsWith("/stacks"));
            } else if (path.equals("/api/v1/goroutines/diff")) {
                diff(ex);
            } else if (path.equals("/")) {
                send(ex, 200, "text/html; charset=utf-8", landingPage());
            } else {
                send(ex, 404, "text/plain", "not found\n");
            }
        }
    }

    private void metrics(HttpExchange ex) throws IOException {
        TextBuffer text = new TextBuffer();
        TextFormat.write004(text, registry.metricFamilySamples());
        send(ex, 200, TextFormat.CONTENT_TYPE_004, text.toString());
    }

    /** Every live goroutine of one served process, grouped by the function it runs: {@code ?pid=N}. */
    private void goroutines(HttpExchange ex) throws IOException {
        Map<String, String> q = Query.parse(ex.getRequestURI().getRawQuery());
        long pid;
        try {
            pid = Query.positive(q, "pid", -1);
        } catch (IllegalArgumentException e) {
            sendJson(ex, 400, Map.of("error", "pass the process as ?pid=N"));
            return;
        }
        String since = q.get("since");
        if (since != null && !since.equals("last")) {
            sendJson(ex, 400, Map.of("error", "since takes \"last\" (the previous walk); for a saved profile use"
                    + " goroutines PID --since FILE"));
            return;
        }
        Optional<Target> t = watcher.target(pid);
        if (t.isEmpty()) {
            sendJson(ex, 404, Map.of("error", "pid " + pid + " is not watched"));
            return;
        }
        try {
            if (since == null) {
                sendJson(ex, 200, GoroutineReport.json(t.get(), readers.walkNow(t.get())));
            } else {
                Readers.Walked w = readers.walk(t.get());
                Map<String, Object> body = new LinkedHashMap<>(GoroutineReport.json(t.get(), w.now(),
                        w.previous() == null ? List.of() : w.previous()));
                body.put("previous", w.previous() != null);
                sendJson(ex, 200, body);
            }
        } catch (SnapshotException e) {
            sendJson(ex, 503, Map.of("error", "cannot read the runtime state of pid " + pid + ": " + e.getMessage()));
        }
    }

    /**
     * Where every goroutine of one served process is blocked, unwound on request (never on a
     * scrape): {@code ?pid=N[&max_goroutines=M][&max_frames=F]}, as text like debug=1 from
     * /api/v1/goroutines/stacks, as a gzipped pprof profile from /api/v1/pprof/goroutine. One
     * read runs at a time; a second gets 429.
     */
    private void stacks(HttpExchange ex, boolean text) throws IOException {
        Optional<Read> read = readStacks(ex);
        if (read.isEmpty()) {
            return;
        }
        Target target = read.get().target();
        StackProfile profile = read.get().profile();
        long pid = target.pid();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        if (text) {
            PrintWriter w = new PrintWriter(new OutputStreamWriter(buf, StandardCharsets.UTF_8));
            StackText.write(profile, w);
            sendBytes(ex, 200, "text/plain; charset=utf-8", buf.toByteArray());
        } else {
            StackPprof.write(profile, target.binary().path().toString(), buf);
            ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"goroutine-" + pid + ".pb.gz\"");
            sendBytes(ex, 200, "application/octet-stream", buf.toByteArray());
        }
    }

    /**
     * Which stacks grew and shrank since the previous stack read of the process (by any of the
     * stack endpoints): {@code ?pid=N}, the same limits as the stacks. The first read of a process
     * has nothing to compare with, and says so ({@code "previous": false}).
     */
    private void diff(HttpExchange ex) throws IOException {
        Optional<Read> read = readStacks(ex);
        if (read.isEmpty()) {
            return;
        }
        Target t = read.get().target();
        StackProfile before = read.get().previous();
        Map<List<String>, Long> now = StackDiff.stacks(read.get().profile());
        Map<String, Object> body = new LinkedHashMap<>(StackDiff.between(before == null ? Map.of() : StackDiff.stacks(before), now)
                .json("pid " + t.pid() + " (" + t.exe() + ") since the previous stack read"));
        body.put("previous", before != null);
        sendJson(ex, 200, body);
    }

    /** A stack read, the process it is of, and the process's previous read (null: none). */
    private record Read(Target target, StackProfile profile, StackProfile previous) {
    }

    /**
     * Reads the stacks a request names ({@code ?pid=N[&max_goroutines=M][&max_frames=F]}), or
     * answers the request with why not (400, 404, 429, 503). Every read is kept as the process's
     * previous one for the diff endpoint.
     */
    private Optional<Read> readStacks(HttpExchange ex) throws IOException {
        Map<String, String> q = Query.parse(ex.getRequestURI().getRawQuery());
        long pid;
        GoroutineStackReader.Limits limits;
        try {
            pid = Query.positive(q, "pid", -1);
            limits = GoroutineStackReader.Limits.of(Query.positive(q, "max_goroutines", GoroutineStackReader.Limits.DEFAULT_MAX_GOROUTINES),
                    Query.positive(q, "max_frames", GoroutineStackReader.Limits.DEFAULT_MAX_FRAMES));
        } catch (IllegalArgumentException e) {
            sendJson(ex, 400, Map.of("error", e.getMessage()));
            return Optional.empty();
        }
        Optional<Target> t = watcher.target(pid);
        if (t.isEmpty()) {
            sendJson(ex, 404, Map.of("error", "pid " + pid + " is not watched"));
            return Optional.empty();
        }
        if (!stackReads.tryAcquire()) {
            sendJson(ex, 429, Map.of("error", "another goroutine stack read is running; try again when it ends"));
            return Optional.empty();
        }
        StackProfile profile;
        try {
            StuckHistory history = readers.history(t.get());
            profile = readers.onDemand(t.get(), r -> StackProfile.read(pid, t.get().exe(), r, limits, history));
        } catch (SnapshotException e) {
            sendJson(ex, 503, Map.of("error", "cannot read the goroutine stacks of pid " + pid + ": " + e.getMessage()));
            return Optional.empty();
        } finally {
            stackReads.release();
        }
        StackProfile previous;
        synchronized (lastStacks) {
            lastStacks.keySet().removeIf(p -> watcher.target(p).isEmpty()); // only watched processes are kept
            previous = lastStacks.put(pid, profile);
        }
        return Optional.of(new Read(t.get(), profile, previous));
    }

    private String landingPage() {
        return "<!doctype html><html><head><title>gmpwatch exporter</title></head><body>"
                + "<h1>gmpwatch exporter</h1><p>Go scheduler telemetry, read from each process's runtime state.</p><ul>"
                + "<li><a href=\"" + telemetryPath + "\">" + telemetryPath + "</a>: Prometheus metrics</li>"
                + "<li><a href=\"/healthz\">/healthz</a>: liveness</li>"
                + "<li>/api/v1/goroutines?pid=N: every live goroutine, grouped by the function it runs</li>"
                + "<li>/api/v1/goroutines/stacks?pid=N: where they block, stacks grouped like debug=1</li>"
                + "<li>/api/v1/pprof/goroutine?pid=N: the same as a pprof goroutine profile (go tool pprof URL)</li>"
                + "<li>/api/v1/goroutines/diff?pid=N: which stacks grew and shrank since the previous stack read</li></ul>"
                + "<p>Watching " + watcher.targets().size() + " process(es).</p></body></html>\n";
    }

    private static void sendJson(HttpExchange ex, int code, Object body) throws IOException {
        send(ex, code, "application/json", new ObjectMapper().writeValueAsString(body) + "\n");
    }

    private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        sendBytes(ex, code, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void sendBytes(HttpExchange ex, int code, String type, byte[] b) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, head ? -1 : b.length);
        if (!head) {
            ex.getResponseBody().write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Protocol versions and client-certificate policy, per connection. */
    private static final class Configurator extends HttpsConfigurator {
        private final WebConfig.Tls tls;

        Configurator(SSLContext ctx, WebConfig.Tls tls) {
            super(ctx);
            this.tls = tls;
        }

        @Override
        public void configure(HttpsParameters params) {
            SSLParameters p = getSSLContext().getDefaultSSLParameters();
            List<String> order = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
            int lo = order.indexOf(tls.minVersion());
            int hi = tls.maxVersion().map(order::indexOf).orElse(order.size() - 1);
            p.setProtocols(order.subList(lo, hi + 1).toArray(String[]::new));
            switch (tls.clientAuthType()) {
                case "RequireAnyClientCert", "RequireAndVerifyClientCert" -> p.setNeedClientAuth(true);
                case "RequestClientCert", "VerifyClientCertIfGiven" -> p.setWantClientAuth(true);
                default -> p.setNeedClientAuth(false);
            }
            params.setSSLParameters(p);
        }
    }
}
