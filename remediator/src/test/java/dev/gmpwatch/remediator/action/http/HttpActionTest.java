package dev.gmpwatch.remediator.action.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.gmpwatch.remediator.config.ConfigLoader;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.TestConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The http action against a real local HTTP server standing in for a gateway's breaker API. */
class HttpActionTest {
    @TempDir
    Path dir;
    HttpServer gateway;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    RemediatorHarness r;

    @BeforeEach
    void start() throws Exception {
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", ex -> {
            calls.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + " " + ex.getRequestHeaders().getFirst("Idempotency-Key"));
            int code = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        gateway.start();
        r = new RemediatorHarness(config(), dir, false);
    }

    private String config() {
        String gw = "http://127.0.0.1:" + gateway.getAddress().getPort() + "/breakers/{{ labels.server }}";
        return TestConfig.sqlite(dir).policy("gateway-breaker", "{alertname: GoroutineLeak}",
                "{type: http, method: POST, openUrl: \"" + gw + "/open\", closeUrl: \"" + gw + "/close\", timeout: 2s, retries: 3}",
                "restoreAfter: 5m").yaml();
    }

    @AfterEach
    void stop() {
        r.close();
        gateway.stop(0);
    }

    @Test
    void opensAndClosesThroughTheGatewayRetryingTransientFailures() throws Exception {
        failuresLeft.set(2);
        assertEquals(200, r.post(RemediatorHarness.notification("firing", "a1", "2026-01-01T00:00:00Z", "web", "checkout")).statusCode());
        r.executor.runDue();
        assertEquals(3, calls.size(), calls.toString());
        assertTrue(calls.get(2).startsWith("POST /breakers/checkout/open gmpwatch-intent-"), calls.toString());
        r.post(RemediatorHarness.notification("resolved", "a1", "2026-01-01T00:00:00Z", "web", "checkout"));
        r.clock.advance(Duration.ofMinutes(6));
        r.executor.runDue();
        assertTrue(calls.get(calls.size() - 1).startsWith("POST /breakers/checkout/close"), calls.toString());
        assertTrue(r.get("/api/v1/actions").body().contains("restored: POST /breakers/checkout/close answered 204"));
    }

    @Test
    void aLabelCanNeverChangeWhereTheRequestGoes() throws Exception {
        for (String evil : List.of("../admin", "x/../../y", "x?y=1", "x#frag", "x@evil.example", "x%2f..", "x\nHost: evil")) {
            assertEquals(400, r.post(RemediatorHarness.notification("firing", "b1", "2026-01-01T00:00:00Z", "web", evil)).statusCode(), evil);
        }
        r.executor.runDue();
        assertEquals(List.of(), calls);
    }

    @Test
    void theBreakerStopsCallingADestinationThatKeepsFailing() throws Exception {
        failuresLeft.set(1000);
        for (int i = 0; i < 3; i++) {
            r.post(RemediatorHarness.notification("firing", "c" + i, "2026-01-01T00:00:00Z", "web", "svc" + i));
            r.executor.runDue();
        }
        String audit = r.get("/api/v1/actions").body();
        assertTrue(audit.contains("circuit breaker for http://127.0.0.1:" + gateway.getAddress().getPort() + " is open"), audit);
        assertTrue(calls.size() < 12, "stopped calling after the breaker opened: " + calls.size());
    }

    @Test
    void aLabelInTheHostIsRefusedAtStartup() throws Exception {
        Files.writeString(dir.resolve("token"), "t\n");
        String bad = config().replace("http://127.0.0.1:" + gateway.getAddress().getPort() + "/breakers/{{ labels.server }}/open",
                "http://{{ labels.server }}.internal/open");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(bad, dir));
        assertTrue(e.getMessage().startsWith("policies[0].action.openUrl: labels may appear only in the path or query"), e.getMessage());
    }
}
