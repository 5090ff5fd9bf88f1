package dev.gmpwatch.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.testkit.Repo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole loop on one machine, as the main README command runs it (deploy/local/stack.sh), with
 * a 1 s scrape and evaluation interval and a 5 s restoreAfter: a demo Go service behind HAProxy
 * starts leaking goroutines; the exporter counts it, Prometheus (alerts/) fires GoroutineLeak,
 * Alertmanager (alerts/alertmanager.yml) notifies the remediator, and the remediator puts the
 * server into maint; when the leak stops it comes back. The second lever: a demo service that goes
 * idle has its GOMAXPROCS stepped down by one through the same chain. Then every dashboard query
 * runs against this Prometheus, and Ctrl-C must leave no process behind.
 */
@TestMethodOrder(OrderAnnotation.class)
class LocalStackIT {
    private static final Path ROOT = Repo.root();
    private static final Path DIR = ROOT.resolve("e2e/target/local-stack");
    private static final String PROMETHEUS = "http://127.0.0.1:19090";
    private static final String BLUE = "http://127.0.0.1:18081";
    private static final String GREEN = "http://127.0.0.1:18082";
    private static final String GREEN_ADMIN = "http://127.0.0.1:18092/debug/gomaxprocs";
    private static final String FRONTEND = "http://127.0.0.1:18080/";
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/\\S*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    private static Process stack;
    private static final StringBuffer output = new StringBuffer();
    private static Instant started;

    @BeforeAll
    static void startStack() throws Exception {
        if (!System.getProperty("user.name").equals("root")) {
            throw new AssertionError("the local stack's exporter needs root; run the tests as root");
        }
        deleteRecursively(DIR);
        // As a terminal starts it: with SIGINT at its default. A test run launched in the
        // background inherits SIGINT ignored, and bash cannot trap a signal ignored on entry.
        ProcessBuilder pb = new ProcessBuilder("python3", "-c",
                "import os, signal, sys\n"
                        + "for s in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ): signal.signal(s, signal.SIG_DFL)\n"
                        + "os.execvp('bash', ['bash'] + sys.argv[1:])",
                ROOT.resolve("deploy/local/stack.sh").toString())
                .directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of(
                "GMPWATCH_STACK_DIR", DIR.toString(),
                "GMPWATCH_SCRAPE_INTERVAL", "1s",
                "GMPWATCH_GROUP_WAIT", "1s",
                "GMPWATCH_GROUP_INTERVAL", "2s",
                "GMPWATCH_RESTORE_AFTER", "5s"));
        stack = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stack.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    System.out.println("[stack] " + line);
                }
            } catch (IOException e) {
                // the stream closes when the stack exits
            }
        }, "stack-output");
        reader.setDaemon(true);
        reader.start();
        waitUntil("the stack to print that it is up", Duration.ofMinutes(3),
                () -> output.indexOf("gmpwatch local stack is up") >= 0 || !stack.isAlive());
        assertTrue(stack.isAlive(), "the stack exited while starting:\n" + output);
        started = Instant.now();
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null && stack.isAlive()) {
            stack.destroy();
            if (!stack.waitFor(30, TimeUnit.SECONDS)) {
                stack.destroyForcibly();
            }
        }
    }

    @Test
    @Order(1)
    void printedUrlsAnswer() throws Exception {
        String banner = output.substring(output.indexOf("gmpwatch local stack is up"), output.indexOf("Make demo-blue leak"));
        Matcher m = URL.matcher(banner);
        List<String> urls = new ArrayList<>();
        while (m.find()) {
            urls.add(m.group());
        }
        assertTrue(urls.size() >= 7, "expected URLs for Prometheus, Alertmanager, exporter, remediator, HAProxy: " + urls);
        String token = token();
        for (String url : urls) {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
            if (url.contains("/api/v1/")) {
                req.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> res = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode(), url + " answered " + res.statusCode());
        }
    }

    @Test
    @Order(2)
    void prometheusHasSeriesForTheHostsGoProcesses() throws Exception {
        Set<String> want = Set.of("demo-blue", "demo-green", "prometheus", "prometheus-alertmanager");
        Set<String> seen = new TreeSet<>();
        waitUntil("gmpwatch_ series for " + want + " in Prometheus", Duration.ofMinutes(2), () -> {
            seen.clear();
            for (JsonNode r : query("count by (exe) (gmpwatch_goroutines_created_total)")) {
                seen.add(r.path("metric").path("exe").asText());
            }
            return seen.containsAll(want);
        });
        System.out.println("gmpwatch_ series in Prometheus for: " + seen);
    }

    @Test
    @Order(3)
    void aLeakingServerLeavesRotationAndComesBack() throws Exception {
        // Let rate() windows fill so that the leak, not a young series, is what fires.
        waitUntil("a minute of samples", Duration.ofMinutes(2), () -> Duration.between(started, Instant.now()).toSeconds() >= 60);
        assertEquals(Map.of("demo-blue", 0, "demo-green", 0), Haproxy.adminStates(DIR.resolve("haproxy.sock"), "demo"),
                "both servers start in rotation");

        Instant leakStart = Instant.now();
        assertEquals(200, post(BLUE + "/leak/start").statusCode());
        waitUntil("demo-blue in maint", Duration.ofMinutes(4),
                () -> adminState("demo-blue") != 0);
        double toMaint = Duration.between(leakStart, Instant.now()).toMillis() / 1000.0;
        System.out.printf("LOOP leak start -> demo-blue in maint: %.1f s%n", toMaint);
        assertEquals(1, adminState("demo-blue") & 1, "forced maintenance");
        assertEquals(0, adminState("demo-green"), "the healthy server stays in rotation");
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(FRONTEND)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("hello from demo-green\n", res.body(), "traffic goes to demo-green only");
        }

        Instant leakStop = Instant.now();
        assertEquals(200, post(BLUE + "/leak/stop").statusCode());
        waitUntil("demo-blue back in rotation", Duration.ofMinutes(4), () -> adminState("demo-blue") == 0);
        double toReady = Duration.between(leakStop, Instant.now()).toMillis() / 1000.0;
        System.out.printf("LOOP leak stop -> demo-blue ready again: %.1f s (restoreAfter 5 s)%n", toReady);

        List<String> results = new ArrayList<>();
        for (JsonNode a : audit().path("actions")) {
            if (a.path("target").asText().endsWith("/demo/demo-blue")) {
                results.add(a.path("decision").asText() + ": " + a.path("result").asText());
            }
        }
        assertTrue(results.contains("executed: state maint verified"), "audit log: " + results);
        assertTrue(results.contains("executed: restored: state ready verified"), "audit log: " + results);
        assertEquals(1, results.stream().filter(r -> r.equals("executed: state maint verified")).count(),
                "one incident, one maint: " + results);
    }

    @Test
    @Order(4)
    void anIdleServiceHasItsGomaxprocsSteppedDownByOne() throws Exception {
        int cpus = gomaxprocs().path("numCPU").asInt();
        assertTrue(cpus >= 2, "stepping down needs at least 2 CPUs; this machine has " + cpus);
        int now = gomaxprocs().path("gomaxprocs").asInt();
        if (now < cpus) {
            // Idle since the stack started, it was stepped down already: keep it busy until it is back up.
            Instant busyStart = Instant.now();
            assertEquals(200, post(GREEN + "/busy/start?workers=" + cpus).statusCode());
            waitUntil("demo-green's GOMAXPROCS back at " + cpus + " under load", Duration.ofMinutes(3),
                    () -> gomaxprocs().path("gomaxprocs").asInt() == cpus);
            System.out.printf("LOOP demo-green busy -> GOMAXPROCS %d -> %d: %.1f s%n", now, cpus,
                    Duration.between(busyStart, Instant.now()).toMillis() / 1000.0);
        }
        Instant idleStart = Instant.now();
        assertEquals(200, post(GREEN + "/busy/stop").statusCode());
        waitUntil("demo-green's GOMAXPROCS stepped down to " + (cpus - 1) + " once idle", Duration.ofMinutes(3),
                () -> gomaxprocs().path("gomaxprocs").asInt() == cpus - 1);
        double took = Duration.between(idleStart, Instant.now()).toMillis() / 1000.0;
        System.out.printf("LOOP demo-green idle -> GOMAXPROCS %d -> %d: %.1f s%n", cpus, cpus - 1, took);
        Thread.sleep(3000);
        assertEquals(cpus - 1, gomaxprocs().path("gomaxprocs").asInt(), "one step, not more (the bound is ceil(NumCPU/2))");

        List<String> steps = new ArrayList<>();
        for (JsonNode a : audit().path("actions")) {
            if (a.path("action").asText().equals("gomaxprocs") && a.path("labels").path("exe").asText().equals("demo-green")) {
                steps.add(a.path("policy").asText() + " " + a.path("decision").asText() + ": " + a.path("result").asText());
            }
        }
        assertTrue(steps.contains("gomaxprocs-idle executed: GOMAXPROCS " + cpus + " -> " + (cpus - 1)), "audit log: " + steps);
    }

    @Test
    @Order(5)
    void everyDashboardQueryReturnsData() throws Exception {
        List<String> empty = new ArrayList<>();
        int n = 0;
        for (Path file : Dashboards.files()) {
            for (Dashboards.Query q : Dashboards.queries(file)) {
                n++;
                String expr = Dashboards.concrete(q, "10s");
                JsonNode result = queryRange(expr, started, Instant.now());
                if (result.isEmpty()) {
                    empty.add(q.where() + ": " + expr);
                }
            }
        }
        System.out.println("dashboard queries run against the stack's Prometheus: " + n + ", without data: " + empty.size());
        assertTrue(n >= 40, "expected the dashboards' queries, found " + n);
        assertTrue(empty.isEmpty(), "queries without data:\n" + String.join("\n", empty));
    }

    @Test
    @Order(6)
    void ctrlCStopsEveryProcess() throws Exception {
        List<Long> children = new ArrayList<>();
        try (Stream<Path> s = Files.list(DIR)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".pid")).toList()) {
                children.add(Long.parseLong(Files.readString(p).strip()));
            }
        }
        assertEquals(7, children.size(), "pid files of demo-blue, demo-green, haproxy, exporter, remediator, alertmanager, prometheus");
        assertTrue(children.stream().allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)),
                "every process of the stack runs before the interrupt");

        Command.run(ROOT, List.of("kill", "-INT", Long.toString(stack.pid()))).assertSuccess();
        assertTrue(stack.waitFor(60, TimeUnit.SECONDS), "the stack did not stop within 60 s of SIGINT");
        assertEquals(130, stack.exitValue(), "exit status after SIGINT");
        List<Long> alive = children.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
        assertTrue(alive.isEmpty(), "still running after Ctrl-C: " + alive);
        waitUntil("the stopped line", Duration.ofSeconds(5), () -> output.indexOf("gmpwatch stack: stopped") >= 0);
        assertFalse(output.toString().contains("did not stop in 15 s"), output.toString());
    }

    /** demo-green's admin endpoint: {"gomaxprocs":n,"numCPU":n,...}. */
    private static JsonNode gomaxprocs() {
        try {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(GREEN_ADMIN)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode(), res.body());
            return JSON.readTree(res.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("demo-green's admin endpoint does not answer: " + e, e);
        }
    }

    private static int adminState(String server) {
        try {
            Integer state = Haproxy.adminStates(DIR.resolve("haproxy.sock"), "demo").get(server);
            if (state == null) {
                throw new AssertionError("HAProxy has no server " + server);
            }
            return state;
        } catch (IOException e) {
            throw new AssertionError("HAProxy's runtime API does not answer: " + e.getMessage(), e);
        }
    }

    private static JsonNode query(String expr) {
        return prometheus("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    }

    private static JsonNode queryRange(String expr, Instant from, Instant to) {
        return prometheus("/api/v1/query_range?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&start=" + from.getEpochSecond() + "&end=" + to.getEpochSecond() + "&step=2");
    }

    private static JsonNode prometheus(String pathAndQuery) {
        try {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(PROMETHEUS + pathAndQuery)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(res.body());
            if (res.statusCode() != 200 || !body.path("status").asText().equals("success")) {
                throw new AssertionError("Prometheus refused " + pathAndQuery + ": " + res.body());
            }
            return body.path("data").path("result");
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("Prometheus does not answer: " + e, e);
        }
    }

    /** The webhook token the stack generated, which the remediator's APIs also require. */
    private static String token() throws IOException {
        return Files.readString(DIR.resolve("remediator.token")).strip();
    }

    private static JsonNode audit() throws Exception {
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:19095/api/v1/actions"))
                .header("Authorization", "Bearer " + token()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        return JSON.readTree(res.body());
    }

    private static HttpResponse<String> post(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void waitUntil(String what, Duration limit, BooleanSupplier done) throws InterruptedException {
        Instant deadline = Instant.now().plus(limit);
        while (!done.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what
                        + "\nstack output:\n" + output);
            }
            Thread.sleep(250);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }
}
