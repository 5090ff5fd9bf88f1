package dev.gmpwatch.remediator.action.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * How the remediator reaches the Kubernetes API: the pod's service account, or the current
 * context of a kubeconfig with a bearer token (token or tokenFile) and the cluster's CA. A token
 * file is read at every call, since the kubelet rotates projected tokens.
 */
record KubeConnection(String server, SSLContext tls, X509TrustManager trust, Supplier<Optional<String>> token) {
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    static KubeConnection inCluster(Map<String, String> env, Path account, String key) throws ConfigException {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        if (host == null || host.isEmpty()) {
            throw new ConfigException(key, "not running in a pod (KUBERNETES_SERVICE_HOST is unset): set kubernetes.kubeconfig");
        }
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        Path token = account.resolve("token");
        return of("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port, read(account.resolve("ca.crt"), key),
                () -> readToken(token), key);
    }

    static KubeConnection fromKubeconfig(Path file, String key) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + file);
        }
        JsonNode context = entry(root, "contexts", root.path("current-context").asText(""), "context", key);
        JsonNode cluster = entry(root, "clusters", context.path("cluster").asText(""), "cluster", key);
        JsonNode user = entry(root, "users", context.path("user").asText(""), "user", key);
        String server = cluster.path("server").asText("");
        if (!server.startsWith("https://")) {
            throw new ConfigException(key, "the cluster server must be an https:// URL, not '" + server + "'");
        }
        byte[] ca;
        if (cluster.hasNonNull("certificate-authority-data")) {
            ca = Base64.getMimeDecoder().decode(cluster.get("certificate-authority-data").asText());
        } else if (cluster.hasNonNull("certificate-authority")) {
            ca = read(file.toAbsolutePath().getParent().resolve(cluster.get("certificate-authority").asText()), key);
        } else {
            throw new ConfigException(key, "the cluster has no certificate-authority(-data); the remediator verifies the API server");
        }
        Supplier<Optional<String>> token;
        if (user.hasNonNull("token")) {
            Optional<String> t = Optional.of(user.get("token").asText());
            token = () -> t;
        } else if (user.hasNonNull("tokenFile")) {
            Path p = file.toAbsolutePath().getParent().resolve(user.get("tokenFile").asText());
            token = () -> readToken(p);
        } else {
            throw new ConfigException(key, "the user needs a token or tokenFile (client certificates and exec plugins are not supported)");
        }
        return of(server.replaceAll("/+$", ""), ca, token, key);
    }

    private static KubeConnection of(String server, byte[] caPem, Supplier<Optional<String>> token, String key) throws ConfigException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(caPem))) {
                ks.setCertificateEntry("ca" + n++, c);
            }
            if (n == 0) {
                throw new GeneralSecurityException("no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            TrustManager[] managers = tmf.getTrustManagers();
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, managers, null);
            return new KubeConnection(server, tls, (X509TrustManager) managers[0], token);
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(key, "the cluster CA is unusable: " + e.getMessage());
        }
    }

    private static JsonNode entry(JsonNode root, String list, String name, String inner, String key) throws ConfigException {
        for (JsonNode e : root.path(list)) {
            if (e.path("name").asText("").equals(name)) {
                return e.path(inner);
            }
        }
        throw new ConfigException(key, "the kubeconfig has no " + inner + " named '" + name + "'");
    }

    private static byte[] read(Path p, String key) throws ConfigException {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + p);
        }
    }

    private static Optional<String> readToken(Path p) {
        try {
            return Optional.of(Files.readString(p, StandardCharsets.UTF_8).strip()).filter(t -> !t.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
