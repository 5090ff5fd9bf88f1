package dev.gmpwatch.exporter.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Where the Kubernetes API is and how to authenticate to it: the pod's service account
 * (in-cluster), or one context of a kubeconfig file. Bearer tokens read from a file are read again
 * when they change, as the kubelet rotates projected service-account tokens.
 */
public record ApiServer(URI url, SSLContext tls, Supplier<Optional<String>> token) {
    /** Where the kubelet mounts a pod's service account. */
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    /** The API as a pod sees it: KUBERNETES_SERVICE_HOST/PORT and the mounted service account. */
    public static ApiServer inCluster(Map<String, String> env, Path serviceAccount) throws KubernetesException {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        if (host == null || host.isEmpty()) {
            throw new KubernetesException("not running in a pod (KUBERNETES_SERVICE_HOST is not set): give --kubernetes.kubeconfig FILE");
        }
        Path ca = serviceAccount.resolve("ca.crt");
        Path token = serviceAccount.resolve("token");
        if (!Files.isReadable(ca) || !Files.isReadable(token)) {
            throw new KubernetesException("no service account mounted at " + serviceAccount
                    + " (automountServiceAccountToken: false?)");
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        return new ApiServer(URI.create("https://" + h + ":" + port), ApiTls.context(read(ca, "ca.crt"), null, null, false),
                new TokenFile(token));
    }

    /** The current context of a kubeconfig file; exec and auth-provider plugins are not supported. */
    public static ApiServer fromKubeconfig(Path file) throws KubernetesException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new KubernetesException("cannot read kubeconfig " + file + ": " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new KubernetesException("kubeconfig " + file + " is not a YAML mapping");
        }
        Path dir = file.toAbsolutePath().getParent();
        String current = root.path("current-context").asText("");
        JsonNode context = named(root, "contexts", current, "context", file);
        JsonNode cluster = named(root, "clusters", context.path("cluster").asText(""), "cluster", file);
        JsonNode user = named(root, "users", context.path("user").asText(""), "user", file);
        String server = cluster.path("server").asText("");
        if (!server.startsWith("https://") && !server.startsWith("http://")) {
            throw new KubernetesException("kubeconfig " + file + ": cluster server '" + server + "' is not an http(s) URL");
        }
        if (user.has("exec") || user.has("auth-provider")) {
            throw new KubernetesException("kubeconfig " + file + ": exec and auth-provider credentials are not supported;"
                    + " use a token, a tokenFile or a client certificate");
        }
        byte[] ca = material(cluster, "certificate-authority", dir, file);
        byte[] cert = material(user, "client-certificate", dir, file);
        byte[] key = material(user, "client-key", dir, file);
        if ((cert == null) != (key == null)) {
            throw new KubernetesException("kubeconfig " + file + ": a client certificate needs its key, and a key its certificate");
        }
        Supplier<Optional<String>> token;
        if (user.hasNonNull("token")) {
            Optional<String> t = Optional.of(user.get("token").asText().strip());
            token = () -> t;
        } else if (user.hasNonNull("tokenFile")) {
            token = new TokenFile(dir.resolve(user.get("tokenFile").asText()));
        } else {
            token = Optional::empty;
        }
        boolean insecure = cluster.path("insecure-skip-tls-verify").asBoolean(false);
        return new ApiServer(URI.create(server.replaceAll("/+$", "")), ApiTls.context(ca, cert, key, insecure), token);
    }

    /** The entry {@code name} of a kubeconfig list ("contexts", "clusters", "users"), its inner mapping. */
    private static JsonNode named(JsonNode root, String list, String name, String inner, Path file) throws KubernetesException {
        for (JsonNode e : root.path(list)) {
            if (e.path("name").asText("").equals(name)) {
                return e.path(inner);
            }
        }
        throw new KubernetesException("kubeconfig " + file + ": no " + inner + " named '" + name + "' in " + list);
    }

    /** PEM bytes given inline ({@code NAME-data}, base64) or as a file ({@code NAME}, relative to the kubeconfig). */
    private static byte[] material(JsonNode n, String name, Path dir, Path file) throws KubernetesException {
        if (n.hasNonNull(name + "-data")) {
            try {
                return Base64.getDecoder().decode(n.get(name + "-data").asText().strip());
            } catch (IllegalArgumentException e) {
                throw new KubernetesException("kubeconfig " + file + ": " + name + "-data is not base64");
            }
        }
        if (n.hasNonNull(name)) {
            return read(dir.resolve(n.get(name).asText()), name);
        }
        return null;
    }

    private static byte[] read(Path p, String what) throws KubernetesException {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new KubernetesException("cannot read " + what + " " + p + ": " + e.getMessage());
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse(s);
    }

    /** A bearer token in a file, read again when its modification time changes. */
    static final class TokenFile implements Supplier<Optional<String>> {
        private final Path path;
        private long readAt = Long.MIN_VALUE;
        private Optional<String> token = Optional.empty();

        TokenFile(Path path) {
            this.path = path;
        }

        @Override
        public synchronized Optional<String> get() {
            try {
                long modified = Files.getLastModifiedTime(path).toMillis();
                if (modified != readAt) {
                    token = Optional.of(Files.readString(path, StandardCharsets.UTF_8).strip()).filter(t -> !t.isEmpty());
                    readAt = modified;
                }
            } catch (IOException e) {
                // keep the last token: a rotation replaces the file atomically, a read rarely fails
            }
            return token;
        }
    }
}
