package dev.gmpwatch.remediator.config;

import dev.gmpwatch.remediator.action.Action;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The validated configuration. Built only by {@link ConfigLoader}. */
public record RemediatorConfig(
        String listenHost,
        int listenPort,
        Auth auth,
        String storeUrl,
        boolean dryRun,
        long maxBodyBytes,
        List<PolicyConfig> policies) {

    /** How webhook and API callers authenticate; {@code none} only with --insecure-no-auth. */
    public record Auth(Optional<String> bearerToken, Optional<String> basicUser, Optional<String> basicPassword) {
        public boolean none() {
            return bearerToken.isEmpty() && basicUser.isEmpty();
        }
    }

    /** A rate: at most {@code limit} actions per {@code period}. */
    public record Rate(int limit, Duration period) {
    }

    /**
     * One remediation policy: which alerts, what action (configured by its type), and the
     * engine's guards: restore timing and the flap guard (circuits), and the rate limits.
     */
    public record PolicyConfig(
            String name,
            Map<String, String> matchEquals,
            Map<String, Pattern> matchRegex,
            Action action,
            Duration restoreAfter,
            Duration minOpen,
            int flapMaxCycles,
            Duration flapWithin,
            Rate perTarget,
            Rate perPolicy) {
    }
}
