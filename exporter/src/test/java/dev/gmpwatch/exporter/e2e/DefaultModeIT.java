package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.gobinary.GoVersion;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.net.http.HttpResponse;
import java.util.List;
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
    /** Goroutines the fixture leaks before the exporter starts. */
    private static final int LEAKED = 37;
    private static final SharedFixtures FIXTURES = new SharedFixtures(fx -> {
        fx.send("leak " + LEAKED);
        fx.await("done", SharedFixtures.WAIT);
    }, "--walk.min-interval", "0s");

    static List<GoToolchain> toolchains() {
        return GoToolchain.newestAndGo119();
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void attachesNothingToTheProcess(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        assertEquals(s.linksBefore(), Command.uprobeLinks(), "the default mode attaches no probe");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void goroutinesLeakedBeforeItStartedAreSeenByCreatorReasonAndState(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        Scrape now = s.exporter().scrape();
        assertEquals(LEAKED, now.value("gmpwatch_goroutines_by_creator", "pid", s.pid(), "creator", "main.leaker"));
        assertEquals(LEAKED, now.value("gmpwatch_goroutines_waiting", "pid", s.pid(), "reason", "chan receive"));
        assertEquals(now.value("gmpwatch_goroutines_live", "pid", s.pid()), now.sum("gmpwatch_goroutines", "pid", s.pid()),
                "states add up to the live count");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void createdAndExitedCountEveryGoroutine(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        int n = 5000;
        Scrape before = s.exporter().scrape();
        Scrape after = s.exporter().after(s.fx(), "spawn " + n);
        assertEquals(n, after.since(before, "gmpwatch_goroutines_created_total", "pid", s.pid()), "created");
        // wg.Done() runs just before a goroutine ends: the last exits may land a moment later.
        double exited = after.since(before, "gmpwatch_goroutines_exited_total", "pid", s.pid());
        for (int i = 0; i < 100 && exited < n; i++) {
            Thread.sleep(20);
            exited = s.exporter().scrape().since(before, "gmpwatch_goroutines_exited_total", "pid", s.pid());
        }
        assertEquals(n, exited, "exited");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void gcCyclesPausesAndLatencyComeFromTheRuntime(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        Scrape before = s.exporter().scrape();
        Scrape after = s.exporter().after(s.fx(), "gc 3");
        assertEquals(3, after.since(before, "gmpwatch_gc_cycles_total", "pid", s.pid()), "GC cycles");
        assertTrue(after.since(before, "gmpwatch_stop_the_world_seconds_count", "pid", s.pid()) >= 3, "GC pauses recorded");
        assertTrue(after.value("gmpwatch_sched_latency_seconds_count", "pid", s.pid()) > 0, "the runtime's latency histogram");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void gomaxprocsFollowsTheProcess(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        s.fx().send("gomaxprocs 0");
        double reported = Double.parseDouble(s.fx().await("done", SharedFixtures.WAIT));
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
        SharedFixtures.Watched s = FIXTURES.of(go);
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
        SharedFixtures.Watched s = FIXTURES.of(go);
        Scrape before = s.exporter().scrape();
        Scrape after = s.exporter().after(s.fx(), "leakargs 5");
        double wrapped = after.sum("gmpwatch_goroutines_by_creator", "pid", s.pid(), "creator", "main.leakerWithArg")
                - before.sum("gmpwatch_goroutines_by_creator", "pid", s.pid(), "creator", "main.leakerWithArg");
        assertEquals(5, after.since(before, "gmpwatch_goroutines_live", "pid", s.pid()), "the five are live");
        if (GoVersion.minorNumber(go.version()) >= 22) {
            assertEquals(5, wrapped, "go f(x) is counted under f");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void theExpositionPassesPromtoolAndSaysWhatItWatches(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        Scrape now = s.exporter().scrape();
        assertEquals(1, now.value("gmpwatch_target_info", "pid", s.pid(), "go_version", go.version(), "probe_mode", "off",
                "status", "watching"));
        now.checkWithPromtool();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void theApiAnswersBadAndUnknownPidsWith4xx(GoToolchain go) throws Exception {
        SharedFixtures.Watched s = FIXTURES.of(go);
        assertEquals(400, s.exporter().get("/api/v1/goroutines?pid=x").statusCode());
        assertEquals(404, s.exporter().get("/api/v1/goroutines?pid=1").statusCode());
        assertEquals(200, s.exporter().get("/healthz").statusCode());
    }
}
