package dev.gmpwatch.exporter.gobinary;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The per-Go-version tables shipped in the jar, used for binaries without DWARF or symbols. They
 * are generated from real toolchains by scripts/gen-version-tables.py and checked by the tests.
 * Properties files ("go1.20/runtime.g.goid=152"), so reading them needs nothing beyond the JDK.
 */
final class VersionTables {
    static final String STRUCT_OFFSETS = "/gobinary/struct-offsets.properties";
    static final String WAIT_REASONS = "/gobinary/wait-reasons.properties";

    private static Map<String, Map<String, Long>> structOffsets;
    private static Map<String, List<String>> waitReasons;

    private VersionTables() {
    }

    /** Minor version ("go1.20") to field name to offset. */
    static synchronized Map<String, Map<String, Long>> structOffsets() {
        if (structOffsets == null) {
            Map<String, Map<String, Long>> out = new HashMap<>();
            byVersion(load(STRUCT_OFFSETS)).forEach((minor, fields) -> {
                Map<String, Long> m = new HashMap<>();
                fields.forEach((k, v) -> m.put(k, Long.parseLong(v)));
                out.put(minor, Map.copyOf(m));
            });
            structOffsets = Map.copyOf(out);
        }
        return structOffsets;
    }

    /** Minor version to wait-reason texts by code. */
    static synchronized Map<String, List<String>> waitReasons() {
        if (waitReasons == null) {
            Map<String, List<String>> out = new HashMap<>();
            byVersion(load(WAIT_REASONS)).forEach((minor, codes) -> {
                Map<Integer, String> sorted = new TreeMap<>();
                codes.forEach((k, v) -> sorted.put(Integer.parseInt(k), v));
                List<String> texts = new ArrayList<>();
                sorted.forEach((code, text) -> {
                    if (code != texts.size()) {
                        throw new IllegalStateException(WAIT_REASONS + ": " + minor + " skips wait reason " + texts.size());
                    }
                    texts.add(text);
                });
                out.put(minor, List.copyOf(texts));
            });
            waitReasons = Map.copyOf(out);
        }
        return waitReasons;
    }

    private static Map<String, Map<String, String>> byVersion(Properties p) {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            int slash = key.indexOf('/');
            out.computeIfAbsent(key.substring(0, slash), k -> new HashMap<>()).put(key.substring(slash + 1), p.getProperty(key));
        }
        return out;
    }

    private static Properties load(String resource) {
        try (InputStream in = VersionTables.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the jar");
            }
            Properties p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
