package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.gobinary.GoVersion;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged exporter in the default mode against a live Go fixture (newest Go and Debian's Go
 * 1.19), scraped over HTTP. One fixture and one exporter per toolchain serve every test: each
 * test checks one behaviour against what the fixture was told to do, from deltas, so the order
 * they run in does not matter.
 */
class DefaultModeIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Goroutines the fixture leaks before the exporter starts. */
    private static final int LEAKED = 37;
    private static final Map<String, Session> SESSIONS = new HashMap<>();

    /** A fixture that leaked before the exporter started, and the exporter watching it. */
    private record Session(FixtureProcess fx, ExporterProcess exporter, String pid, int linksBefore) {
    }

    static List<GoToolchain> toolchains() {
        return GoToolchain.newestAndGo119();
    }

    private static synchronized Session session(GoToolchain go) throws Exception {
        Session s = SESSIONS.get(go.version());
        if (s == null) {
            Path bin = GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL);
            int linksBefore = Command.uprobeLinks();
            FixtureProcess fx = FixtureProcess.start(bin);
            fx.await("ready", WAIT);
            fx.send("leak " + LEAKED);
            fx.await("done", WAIT);
            String pid = Long.toString(fx.pid());
            ExporterProcess exporter = ExporterProcess.start("--pid", pid, "--walk.min-interval", "0s");
            exporter.awaitWatching(fx.pid());
            s = new Session(fx, exporter, pid, linksBefore);
            SESSIONS.put(go.version(), s);
        }
        return s;
    }

    @AfterAll
    static void stop() throws Exception {
        for (Session s : SESSIONS.values()) {
            s.exporter().close();
            s.fx().close();
        }
        SESSIONS.clear();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void attachesNothingToTheProcess(GoToolchain go) throws Exception {
        Session s = session(go);
        assertEquals(s.linksBefore(), Command.uprobeLinks(), "the default mode attaches no probe");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void goroutinesLeakedBeforeItStartedAreSeenByCreatorReasonAndState(GoToolchain go) throws Exception {
        Session s = session(go);
        Scrape now = s.exporter().scrape();
        assertEquals(LEAKED, now.value("gmpwatch_goroutines_by_creator", "pid", s.pid(), "creator", "main.leaker"));
        assertEquals(LEAKED, now.value("gmpwatch_goroutines_waiting", "pid", s.pid(), "reason", "chan receive"));
        assertEquals(now.value("gmpwatch_goroutines_live", "pid", s.pid()), now.sum("gmpwatch_goroutines", "pid", s.pid()),
                "states add up to the live count");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void createdAndExitedCountEveryGoroutine(GoToolchain go) throws Exception {
        Session s = session(go);
        int n = 5000;
        Scrape before = s.exporter().scrape();
        Scrape after = s.exporter().after(s.fx(), "spawn " + n);
        assertEquals(n, delta(before, after, "gmpwatch_goroutines_created_total", s.pid()), "created");
        // wg.Done() runs just before a goroutine ends: the last exits may land a moment later.
        double exited = delta(before, after, "gmpwatch_goroutines_exited_total", s.pid());
        for (int i = 0; i < 100 && exited < n; i++) {
            Thread.sleep(20);
            exited = delta(before, s.exporter().scrape(), "gmpwatch_goroutines_exited_total", s.pid());
        }
        assertEquals(n, exited, "exited");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void gcCyclesPausesAndLatencyComeFromTheRuntime(GoToolchain go) throws Exception {
        Session s = session(go);
        Scrape before = s.exporter().scrape();
        Scrape after = s.exporter().after(s.fx(), "gc 3");
        assertEquals(3, delta(before, after, "gmpwatch_gc_cycles_total", s.pid()), "GC cycles");
        assertTrue(delta(before, after, "gmpwatch_stop_the_world_seconds_count", s.pid()) >= 3, "GC pauses recorded");
        assertTrue(after.value("gmpwatch_sched_latency_seconds_count", "pid", s.pid()) > 0, "the runtime's latency histogram");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void gomaxprocsFollowsTheProcess(GoToolchain go) throws Exception {
        Session s = session(go);
        s.fx().send("gomaxprocs 0");
        double reported = Double.parseDouble(s.fx().await("done", WAIT));
        assertEquals(reported, s.exporter().scrape().value("gmpwatch_gomaxprocs", "pid", s.pid()), "GOMAXPROCS as the fixture reports it");
        try {
            assertEquals(1, s.exporter().after(s.fx(), "gomaxprocs 1").value("gmpwatch_gomaxprocs", "pid", s.pid()),
                    "follows runtime.GOMAXPROCS(1)");
        } finally {
            s.exporter().after(s.fx(), "gomaxprocs " + (int) reported);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void theGoroutineApiGroupsByCreatorWithSourceLines(GoToolchain go) throws Exception {
        Session s = session(go);
        HttpResponse<String> api = s.exporter().get("/api/v1/goroutines?pid=" + s.pid());
        assertEquals(200, api.statusCode());
        JsonNode top = new ObjectMapper().readTree(api.body()).get("creators").get(0);
        assertEquals("main.leaker", top.get("creator").asText(), api.body());
        assertEquals(LEAKED, top.get("count").asLong(), api.body());
        assertTrue(top.get("source").asText().matches(".*/main\\.go:\\d+"), "file:line of main.leaker: " + api.body());
        assertTrue(top.get("goStatement").asText().matches(".*/main\\.go:\\d+"), "the go statement: " + api.body());
        assertEquals(LEAKED, top.get("waitReasons").get("chan receive").asLong(), api.body());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void aGoStatementWrapperResolvesToTheFunctionItStarts(GoToolchain go) throws Exception {
        Session s = session(go);
        Scrape before = s.exporter().scrape();
        Scrape after = s.exporter().after(s.fx(), "leakargs 5");
        double wrapped = after.sum("gmpwatch_goroutines_by_creator", "pid", s.pid(), "creator", "main.leakerWithArg")
                - before.sum("gmpwatch_goroutines_by_creator", "pid", s.pid(), "creator", "main.leakerWithArg");
        assertEquals(5, delta(before, after, "gmpwatch_goroutines_live", s.pid()), "the five are live");
        if (GoVersion.minorNumber(go.version()) >= 22) {
            assertEquals(5, wrapped, "go f(x) is counted under f");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void theExpositionPassesPromtoolAndSaysWhatItWatches(GoToolchain go) throws Exception {
        Session s = session(go);
        Scrape now = s.exporter().scrape();
        assertEquals(1, now.value("gmpwatch_target_info", "pid", s.pid(), "go_version", go.version(), "probe_mode", "off",
                "status", "watching"));
        Path f = Files.createTempFile("gmpwatch-metrics", ".txt");
        Files.writeString(f, now.text);
        Command.Result r = Command.run(List.of("sh", "-c", "promtool check metrics < " + f), Map.of(), null, Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), "promtool check metrics:\n" + r.stdout() + r.stderr());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void theApiAnswersBadAndUnknownPidsWith4xx(GoToolchain go) throws Exception {
        Session s = session(go);
        assertEquals(400, s.exporter().get("/api/v1/goroutines?pid=x").statusCode());
        assertEquals(404, s.exporter().get("/api/v1/goroutines?pid=1").statusCode());
        assertEquals(200, s.exporter().get("/healthz").statusCode());
    }

    private static double delta(Scrape a, Scrape b, String name, String pid) {
        return b.value(name, "pid", pid) - a.value(name, "pid", pid);
    }
}
