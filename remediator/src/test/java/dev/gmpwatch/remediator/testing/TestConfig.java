package dev.gmpwatch.remediator.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A test's remediator configuration, built from its parts: what every test shares (the listen
 * address, bearer-token auth from the file {@code token}, a permissive rate limit) is written
 * once, and a test names only what it is about.
 */
public final class TestConfig {
    /** Rate limits that never refuse in a test that is not about them. */
    public static final String UNLIMITED = "rateLimit: {perTarget: 1000/1s, perPolicy: 1000/1s}";
    /** The configuration's own default rate limits, for a test about them or about what an operator gets. */
    public static final String DEFAULT_LIMITS = "rateLimit: {}";

    private final String storeUrl;
    private String listen = "127.0.0.1:0";
    private final List<String> sections = new ArrayList<>();
    private final List<String> policies = new ArrayList<>();

    private TestConfig(String storeUrl) {
        this.storeUrl = storeUrl;
    }

    /** A SQLite store in {@code dir}. */
    public static TestConfig sqlite(Path dir) {
        return new TestConfig("jdbc:sqlite:" + dir.resolve("state.db"));
    }

    /** A store at this JDBC URL (a shared PostgreSQL). */
    public static TestConfig store(String jdbcUrl) {
        return new TestConfig(jdbcUrl);
    }

    public TestConfig listen(String hostPort) {
        listen = hostPort;
        return this;
    }

    /** A top-level section, its value in YAML flow style: {@code section("haproxy", "{lb: {socket: /run/h.sock}}")}. */
    public TestConfig section(String key, String flow) {
        sections.add(key + ": " + flow);
        return this;
    }

    /**
     * A policy.
     *
     * @param match  its match, in flow style: {@code {alertname: GoroutineLeak}}
     * @param action its action, in flow style
     * @param more   more of its keys, one per line ({@code restoreAfter: 5m}); {@link #UNLIMITED} unless one sets rateLimit
     */
    public TestConfig policy(String name, String match, String action, String... more) {
        StringBuilder b = new StringBuilder("  - name: " + name + "\n    match: " + match + "\n    action: " + action + "\n");
        boolean limited = false;
        for (String line : more) {
            b.append("    ").append(line).append('\n');
            limited |= line.startsWith("rateLimit:");
        }
        if (!limited) {
            b.append("    ").append(UNLIMITED).append('\n');
        }
        policies.add(b.toString());
        return this;
    }

    public String yaml() {
        StringBuilder b = new StringBuilder("listen: " + listen + "\nauth: {bearerTokenFile: token}\nstore: {url: \"" + storeUrl + "\"}\n");
        sections.forEach(s -> b.append(s).append('\n'));
        b.append("policies:\n");
        policies.forEach(b::append);
        return b.toString();
    }
}
