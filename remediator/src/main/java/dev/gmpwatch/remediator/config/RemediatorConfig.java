package dev.gmpwatch.remediator.config;

import java.nio.file.Path;
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
        Map<String, HaproxyEndpoint> haproxy,
        List<PolicyConfig> policies) {

    /** How webhook and API callers authenticate; {@code none} only with --insecure-no-auth. */
    public record Auth(Optional<String> bearerToken, Optional<String> basicUser, Optional<String> basicPassword) {
        public boolean none() {
            return bearerToken.isEmpty() && basicUser.isEmpty();
        }
    }

    /** A HAProxy runtime API: a unix socket or host:port. */
    public record HaproxyEndpoint(String name, Optional<Path> socket, Optional<String> host, int port, Duration timeout) {
    }

    /** One remediation policy. */
    public record PolicyConfig(
            String name,
            Map<String, String> matchEquals,
            Map<String, Pattern> matchRegex,
            ActionConfig action,
            Duration restoreAfter,
            Duration minOpen,
            int flapMaxCycles,
            Duration flapWithin,
            int perTargetLimit,
            Duration perTargetPeriod,
            int perPolicyLimit,
            Duration perPolicyPeriod,
            int maxOpenPerBackend,
            double maxOpenFraction) {
    }

    /**
     * What to do, with its target templated from alert labels: a HAProxy server state change
     * ({@code type} haproxy), or an HTTP request to open and one to close a breaker (http).
     */
    public record ActionConfig(String type, String haproxy, String backendTemplate, String serverTemplate, String openState,
                               String method, String openUrlTemplate, String closeUrlTemplate, Duration timeout, int retries,
                               Gomaxprocs gomaxprocs) {
    }

    /**
     * A GOMAXPROCS step (type gomaxprocs): direction "down" or "up", the label holding the
     * target's admin address (which must fully match {@code allowedAddresses}), bounds (0 = the
     * default, ceil(NumCPU/2)..NumCPU), the minimum interval and the flip guard.
     */
    public record Gomaxprocs(String direction, String actuator, String addressLabel, Pattern allowedAddresses, String path,
                             Optional<String> token, int min, int max, Duration minInterval, int maxFlips, Duration flipWithin) {
    }
}
