package dev.gmpwatch.exporter.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** What a flag's value means: each parse either returns it or fails with a one-line usage error naming the flag. */
final class FlagValues {
    private FlagValues() {
    }

    static Optional<Pattern> regex(Flags f, String flag) throws UsageException {
        if (f.all(flag).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pattern.compile(f.get(flag)));
        } catch (PatternSyntaxException e) {
            throw new UsageException("--" + flag + " is not a valid regex: " + e.getDescription());
        }
    }

    static Duration duration(String s, String flag) throws UsageException {
        return duration(s, flag, Duration.ofMillis(100));
    }

    /** A duration flag of at least {@code min}; "0s" is allowed when min is zero. */
    static Duration duration(String s, String flag, Duration min) throws UsageException {
        java.util.regex.Matcher m = Pattern.compile("^(\\d+)(ms|s|m|h)$").matcher(s);
        if (!m.matches()) {
            throw new UsageException(flag + " takes a duration like 500ms, 5s or 1m, got '" + s + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(min) < 0) {
            throw new UsageException(flag + " must be at least " + min.toMillis() + "ms");
        }
        return d;
    }

    static InetSocketAddress listenAddress(String s) throws UsageException {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new UsageException("--web.listen-address takes [host]:port, got '" + s + "'");
        }
        String host = s.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageException("--web.listen-address has a bad port in '" + s + "'");
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("--web.listen-address port must be 0..65535");
        }
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /** A share of one CPU, 0 < x <= 1. */
    static double fraction(String s, String flag) throws UsageException {
        try {
            double v = Double.parseDouble(s);
            if (v > 0 && v <= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(flag + " takes a share of one CPU between 0 and 1 (0.02 is 2%), got '" + s + "'");
    }

    /** A rate in samples per second, above 0 and at most {@code max}. */
    static double rate(String s, String flag, double max) throws UsageException {
        try {
            double v = Double.parseDouble(s);
            if (v > 0 && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(flag + " takes samples per second, above 0 and at most " + (long) max + ", got '" + s + "'");
    }

    static int positiveInt(String s, String flag) throws UsageException {
        try {
            int v = Integer.parseInt(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException(flag + " takes a positive integer, got '" + s + "'");
    }
}
