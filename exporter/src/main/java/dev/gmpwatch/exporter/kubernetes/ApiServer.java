package dev.gmpwatch.exporter.kubernetes;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;

/**
 * Where the Kubernetes API is and how to authenticate to it: the pod's service account
 * (in-cluster), or one context of a kubeconfig file. Bearer tokens read from a file are read again
 * when they change, as the kubelet rotates projected service-account tokens.
 */
public record ApiServer(URI url, SSLContext tls, Optional<HostnameVerifier> hostnames, Supplier<Optional<String>> token) {
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
                Optional.empty(), new TokenFile(token));
    }

    /** The current context of a kubeconfig file; exec and auth-provider plugins are not supported. */
    public static ApiServer fromKubeconfig(Path file) throws KubernetesException {
        Object root;
        try (JsonParser p = new YAMLFactory().createParser(file.toFile())) {
            root = p.nextToken() == null ? null : tree(p);
        } catch (IOException | RuntimeException e) {
            throw new KubernetesException("cannot read kubeconfig " + file + ": " + firstLine(e.getMessage()));
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new KubernetesException("kubeconfig " + file + " is not a YAML mapping");
        }
        Path dir = file.toAbsolutePath().getParent();
        Map<?, ?> context = named(top, "contexts", text(top, "current-context"), "context", file);
        Map<?, ?> cluster = named(top, "clusters", text(context, "cluster"), "cluster", file);
        Map<?, ?> user = named(top, "users", text(context, "user"), "user", file);
        String server = text(cluster, "server");
        if (!server.startsWith("https://") && !server.startsWith("http://")) {
            throw new KubernetesException("kubeconfig " + file + ": cluster server '" + server + "' is not an http(s) URL");
        }
        if (user.containsKey("exec") || user.containsKey("auth-provider")) {
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
        if (!text(user, "token").isEmpty()) {
            Optional<String> t = Optional.of(text(user, "token").strip());
            token = () -> t;
        } else if (!text(user, "tokenFile").isEmpty()) {
            token = new TokenFile(dir.resolve(text(user, "tokenFile")));
        } else {
            token = Optional::empty;
        }
        boolean insecure = text(cluster, "insecure-skip-tls-verify").equals("true");
        Optional<HostnameVerifier> anyHost = insecure ? Optional.of((host, session) -> true) : Optional.empty();
        return new ApiServer(URI.create(server.replaceAll("/+$", "")), ApiTls.context(ca, cert, key, insecure), anyHost, token);
    }

    /** The entry {@code name} of a kubeconfig list ("contexts", "clusters", "users"), its inner mapping. */
    private static Map<?, ?> named(Map<?, ?> root, String list, String name, String inner, Path file) throws KubernetesException {
        if (root.get(list) instanceof List<?> entries) {
            for (Object e : entries) {
                if (e instanceof Map<?, ?> m && name.equals(text(m, "name")) && m.get(inner) instanceof Map<?, ?> in) {
                    return in;
                }
            }
        }
        throw new KubernetesException("kubeconfig " + file + ": no " + inner + " named '" + name + "' in " + list);
    }

    /** PEM bytes given inline ({@code NAME-data}, base64) or as a file ({@code NAME}, relative to the kubeconfig). */
    private static byte[] material(Map<?, ?> n, String name, Path dir, Path file) throws KubernetesException {
        if (!text(n, name + "-data").isEmpty()) {
            try {
                return Base64.getMimeDecoder().decode(text(n, name + "-data").strip());
            } catch (IllegalArgumentException e) {
                throw new KubernetesException("kubeconfig " + file + ": " + name + "-data is not base64");
            }
        }
        if (!text(n, name).isEmpty()) {
            return read(dir.resolve(text(n, name)), name);
        }
        return null;
    }

    private static String text(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null || v instanceof Map || v instanceof List ? "" : v.toString();
    }

    /** The YAML value at the parser's current token, as maps, lists and scalars (no data binding). */
    private static Object tree(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Object> m = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                p.nextToken();
                m.put(k, tree(p));
            }
            return m;
        }
        if (t == JsonToken.START_ARRAY) {
            List<Object> l = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                l.add(tree(p));
            }
            return l;
        }
        return t == JsonToken.VALUE_NULL ? null : p.getText();
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
