package dev.gmpwatch.exporter.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Query strings of the API: {@code a=1&b=2}, decoded; the last of a repeated name wins. */
final class Query {
    private Query() {
    }

    static Map<String, String> parse(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("malformed query parameter '" + name + "'");
            }
        }
        return out;
    }

    /** A positive integer parameter; {@code fallback} when absent, or an error when the fallback is negative (required). */
    static long positive(Map<String, String> q, String name, long fallback) {
        String v = q.get(name);
        if (v == null) {
            if (fallback < 0) {
                throw new IllegalArgumentException("pass " + name + "=N");
            }
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " takes a positive integer, not '" + v + "'");
    }
}
