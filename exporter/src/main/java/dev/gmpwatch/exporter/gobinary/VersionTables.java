package dev.gmpwatch.exporter.gobinary;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The per-Go-version tables shipped in the jar, used for binaries without DWARF or symbols. They
 * are generated from real toolchains by scripts/gen-version-tables.sh and checked by the tests.
 */
final class VersionTables {
    static final String STRUCT_OFFSETS = "/gobinary/struct-offsets.json";
    static final String WAIT_REASONS = "/gobinary/wait-reasons.json";

    private static Map<String, Map<String, Long>> structOffsets;
    private static Map<String, List<String>> waitReasons;

    private VersionTables() {
    }

    static synchronized Map<String, Map<String, Long>> structOffsets() {
        if (structOffsets == null) {
            structOffsets = load(STRUCT_OFFSETS, new TypeReference<>() { });
        }
        return structOffsets;
    }

    static synchronized Map<String, List<String>> waitReasons() {
        if (waitReasons == null) {
            waitReasons = load(WAIT_REASONS, new TypeReference<>() { });
        }
        return waitReasons;
    }

    private static <T> T load(String resource, TypeReference<T> type) {
        try (InputStream in = VersionTables.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the jar");
            }
            return new ObjectMapper().readValue(in, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
