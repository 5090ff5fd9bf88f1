package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.config.RemediatorConfig.Rate;
import dev.gmpwatch.remediator.store.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Sliding-window rate limits per target and per policy, kept as events in the shared store and
 * read with the injected clock: decided in the decision's transaction, so N replicas on one
 * PostgreSQL together take no more than the limit.
 */
final class RateLimits {
    private static final String PERMIT = "permit";

    private RateLimits() {
    }

    /** Whether both limits have room now; nothing is taken. */
    static Optional<String> refusal(Connection c, PolicyConfig p, String targetKey, long now) throws SQLException {
        if (used(c, targetScope(p, targetKey), p.perTarget(), now) >= p.perTarget().limit()) {
            return Optional.of("rate limit for the target: " + describe(p.perTarget()));
        }
        if (used(c, policyScope(p), p.perPolicy(), now) >= p.perPolicy().limit()) {
            return Optional.of("rate limit for the policy: " + describe(p.perPolicy()));
        }
        return Optional.empty();
    }

    /** Takes one permit from each limit. */
    static void take(Connection c, PolicyConfig p, String targetKey, long now) throws SQLException {
        Store.addEvent(c, targetScope(p, targetKey), PERMIT, now);
        Store.addEvent(c, policyScope(p), PERMIT, now);
    }

    private static int used(Connection c, String scope, Rate rate, long now) throws SQLException {
        return Store.countEvents(c, scope, PERMIT, now - rate.period().toMillis() + 1);
    }

    private static String targetScope(PolicyConfig p, String targetKey) {
        return "rate:" + p.name() + ":" + targetKey;
    }

    private static String policyScope(PolicyConfig p) {
        return "rate:" + p.name();
    }

    private static String describe(Rate r) {
        return r.limit() + " per " + r.period();
    }
}
