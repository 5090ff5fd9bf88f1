package dev.gmpwatch.exporter.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * {@code --web.config.file}, in the Prometheus exporter-toolkit format: {@code tls_server_config}
 * (cert_file, key_file, client_auth_type, client_ca_file, min_version, max_version) and
 * {@code basic_auth_users} (user: bcrypt hash). Relative paths are relative to the file. Unknown
 * keys are errors, not ignored: a typo in a security setting must not silently disable it.
 */
public final class WebConfig {
    static final List<String> CLIENT_AUTH_TYPES = List.of("NoClientCert", "RequestClientCert", "RequireAnyClientCert",
            "VerifyClientCertIfGiven", "RequireAndVerifyClientCert");
    static final Map<String, String> TLS_VERSIONS = Map.of("TLS10", "TLSv1", "TLS11", "TLSv1.1", "TLS12", "TLSv1.2",
            "TLS13", "TLSv1.3");
    private static final Set<String> TOP_KEYS = Set.of("tls_server_config", "basic_auth_users");
    private static final Set<String> TLS_KEYS = Set.of("cert_file", "key_file", "client_auth_type", "client_ca_file",
            "min_version", "max_version");

    /** The TLS settings; files are resolved. */
    public record Tls(Path certFile, Path keyFile, String clientAuthType, Optional<Path> clientCaFile, String minVersion,
            Optional<String> maxVersion) {
    }

    private final Optional<Tls> tls;
    private final Optional<SSLContext> sslContext;
    private final Map<String, String> users;

    private WebConfig(Optional<Tls> tls, Optional<SSLContext> sslContext, Map<String, String> users) {
        this.tls = tls;
        this.sslContext = sslContext;
        this.users = users;
    }

    /** No TLS, no authentication: the default without --web.config.file. */
    public static WebConfig none() {
        return new WebConfig(Optional.empty(), Optional.empty(), Map.of());
    }

    /** The server's TLS context, built (and so checked) when the file was loaded. */
    Optional<SSLContext> sslContext() {
        return sslContext;
    }

    public Optional<Tls> tls() {
        return tls;
    }

    /** User name to bcrypt hash. */
    public Map<String, String> users() {
        return users;
    }

    /** @throws WebConfigException naming the key and the reason */
    public static WebConfig load(Path file) throws WebConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new WebConfigException(file + ": cannot read it: " + firstLine(e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return none();
        }
        if (!root.isObject()) {
            throw new WebConfigException(file + ": expected a mapping at the top");
        }
        unknownKeys(file, "", root, TOP_KEYS);
        Path dir = file.toAbsolutePath().getParent();
        Optional<Tls> tls = root.has("tls_server_config") ? Optional.of(tls(file, dir, root.get("tls_server_config")))
                : Optional.empty();
        Map<String, String> users = new LinkedHashMap<>();
        JsonNode u = root.get("basic_auth_users");
        if (u != null && !u.isNull()) {
            if (!u.isObject()) {
                throw new WebConfigException(file + ": basic_auth_users: expected a mapping of user names to bcrypt hashes");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = u.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String hash = e.getValue().isTextual() ? e.getValue().asText() : "";
                if (!hash.matches("^\\$2[aby]?\\$\\d\\d\\$[./A-Za-z0-9]{53}$")) {
                    throw new WebConfigException(file + ": basic_auth_users." + e.getKey() + ": not a bcrypt hash ($2y$10$...)");
                }
                users.put(e.getKey(), hash);
            }
        }
        Optional<SSLContext> ctx;
        try {
            ctx = tls.isPresent() ? Optional.of(TlsContexts.build(tls.get())) : Optional.empty();
        } catch (WebConfigException e) {
            throw new WebConfigException(file + ": " + e.getMessage());
        }
        return new WebConfig(tls, ctx, Map.copyOf(users));
    }

    private static Tls tls(Path file, Path dir, JsonNode t) throws WebConfigException {
        if (!t.isObject()) {
            throw new WebConfigException(file + ": tls_server_config: expected a mapping");
        }
        unknownKeys(file, "tls_server_config.", t, TLS_KEYS);
        Path cert = requiredFile(file, dir, t, "cert_file");
        Path key = requiredFile(file, dir, t, "key_file");
        String auth = text(t, "client_auth_type", "NoClientCert");
        if (!CLIENT_AUTH_TYPES.contains(auth)) {
            throw new WebConfigException(file + ": tls_server_config.client_auth_type: '" + auth + "' is not one of " + CLIENT_AUTH_TYPES);
        }
        Optional<Path> ca = t.has("client_ca_file") ? Optional.of(existing(file, dir, "client_ca_file", text(t, "client_ca_file", "")))
                : Optional.empty();
        if (auth.startsWith("Verify") || auth.equals("RequireAndVerifyClientCert")) {
            if (ca.isEmpty()) {
                throw new WebConfigException(file + ": tls_server_config.client_ca_file: required with client_auth_type " + auth);
            }
        } else if (ca.isPresent()) {
            throw new WebConfigException(file + ": tls_server_config.client_ca_file: set, but client_auth_type " + auth
                    + " does not verify client certificates");
        }
        String min = version(file, t, "min_version", "TLS12");
        Optional<String> max = t.has("max_version") ? Optional.of(version(file, t, "max_version", "")) : Optional.empty();
        if (max.isPresent() && max.get().compareTo(min) < 0) {
            throw new WebConfigException(file + ": tls_server_config.max_version: lower than min_version");
        }
        return new Tls(cert, key, auth, ca, min, max);
    }

    private static String version(Path file, JsonNode t, String key, String fallback) throws WebConfigException {
        String v = text(t, key, fallback);
        if (!TLS_VERSIONS.containsKey(v)) {
            throw new WebConfigException(file + ": tls_server_config." + key + ": '" + v + "' is not one of TLS10, TLS11, TLS12, TLS13");
        }
        return TLS_VERSIONS.get(v);
    }

    private static Path requiredFile(Path file, Path dir, JsonNode t, String key) throws WebConfigException {
        String v = text(t, key, "");
        if (v.isEmpty()) {
            throw new WebConfigException(file + ": tls_server_config." + key + ": required");
        }
        return existing(file, dir, key, v);
    }

    private static Path existing(Path file, Path dir, String key, String value) throws WebConfigException {
        Path p = dir.resolve(value);
        if (!Files.isReadable(p)) {
            throw new WebConfigException(file + ": tls_server_config." + key + ": cannot read " + p);
        }
        return p;
    }

    private static String text(JsonNode t, String key, String fallback) {
        JsonNode v = t.get(key);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    private static void unknownKeys(Path file, String prefix, JsonNode node, Set<String> known) throws WebConfigException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new WebConfigException(file + ": " + prefix + k + ": unknown or unsupported key (supported: "
                        + known.stream().sorted().toList() + ")");
            }
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
