package dev.gmpwatch.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC, token authentication,
 * a self-signed serving certificate) and kube-controller-manager (EndpointSlice and service
 * account controllers), built by {@code scripts/kube/build.sh}. There is no kubelet: tests create
 * Nodes and Pods and write their status themselves.
 */
public final class KubeCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_WITHIN = Duration.ofSeconds(90);

    private final Path work;
    private final Path bin;
    private final int etcdPort;
    private final int etcdPeerPort;
    private final int apiPort;
    private final String adminToken = UUID.randomUUID().toString();
    private final List<Process> processes = new ArrayList<>();
    private Process apiServer;
    private HttpClient http;
    private String caPem;

    private KubeCluster(Path work, Path bin) throws IOException {
        this.work = work;
        this.bin = bin;
        this.etcdPort = freePort();
        this.etcdPeerPort = freePort();
        this.apiPort = freePort();
    }

    /** Starts etcd, the API server and the controller manager under {@code work}; ready when it returns. */
    public static KubeCluster start(Path work) throws Exception {
        Path bin = binaries();
        deleteTree(work); // a fresh cluster: no etcd data or certificates of an earlier run
        Files.createDirectories(work);
        KubeCluster c = new KubeCluster(work, bin);
        try {
            c.startAll();
            return c;
        } catch (Exception | AssertionError e) {
            c.close();
            throw e;
        }
    }

    /** Where scripts/kube/build.sh put the binaries; a clear failure when it has not run. */
    static Path binaries() throws IOException {
        Path root = Repo.root();
        String version = Files.readAllLines(root.resolve("scripts/kube/tools/go.mod")).stream()
                .filter(l -> l.startsWith("require k8s.io/kubernetes ")).map(l -> l.split("\\s+")[2]).findFirst()
                .orElseThrow(() -> new AssertionError("scripts/kube/tools/go.mod does not require k8s.io/kubernetes"));
        Path bin = root.resolve(".gmpwatch-cache/kube-" + version);
        for (String b : List.of("etcd", "kube-apiserver", "kube-controller-manager")) {
            if (!Files.isExecutable(bin.resolve(b))) {
                throw new AssertionError("missing " + bin.resolve(b) + ": run scripts/setup.sh (it builds the Kubernetes control plane with scripts/kube/build.sh)");
            }
        }
        return bin;
    }

    private void startAll() throws Exception {
        Path certs = Files.createDirectories(work.resolve("certs"));
        writeServiceAccountKeys();
        Files.writeString(work.resolve("tokens.csv"), adminToken + ",admin,admin-uid,\"system:masters\"\n");
        spawn("etcd", List.of(bin.resolve("etcd").toString(), "--data-dir", work.resolve("etcd").toString(),
                "--listen-client-url", "http://127.0.0.1:" + etcdPort, "--listen-peer-url", "http://127.0.0.1:" + etcdPeerPort));
        startApiServer();
        Files.writeString(work.resolve("admin.kubeconfig"), kubeconfig(adminToken));
        spawn("kube-controller-manager", List.of(bin.resolve("kube-controller-manager").toString(),
                "--kubeconfig", work.resolve("admin.kubeconfig").toString(), "--leader-elect=false", "--secure-port=0",
                "--controllers=endpointslice,serviceaccount,serviceaccount-token",
                "--service-account-private-key-file", work.resolve("sa.key").toString(),
                "--root-ca-file", certs.resolve("apiserver.crt").toString()));
        await(() -> status("GET", "/api/v1/namespaces/default/serviceaccounts/default", null, null) == 200, READY_WITHIN,
                "the controller manager to create the default service account", "kube-controller-manager");
    }

    /** Starts (or restarts, after {@link #stopApiServer}) the API server on the same port and storage. */
    public void startApiServer() throws Exception {
        apiServer = spawn("kube-apiserver", List.of(bin.resolve("kube-apiserver").toString(),
                "--etcd-servers=http://127.0.0.1:" + etcdPort, "--cert-dir=" + work.resolve("certs"),
                "--secure-port=" + apiPort, "--bind-address=127.0.0.1",
                "--service-account-issuer=https://kubernetes.default.svc",
                "--service-account-key-file=" + work.resolve("sa.pub"),
                "--service-account-signing-key-file=" + work.resolve("sa.key"),
                "--token-auth-file=" + work.resolve("tokens.csv"), "--authorization-mode=RBAC",
                "--service-cluster-ip-range=10.96.0.0/16", "--allow-privileged=true"));
        Path crt = work.resolve("certs/apiserver.crt");
        await(() -> Files.isRegularFile(crt) && ready(), READY_WITHIN, "kube-apiserver to answer /readyz", "kube-apiserver");
    }

    /** Stops the API server (SIGTERM); etcd keeps the data, so {@link #startApiServer} resumes where it left off. */
    public void stopApiServer() throws InterruptedException {
        apiServer.destroy();
        if (!apiServer.waitFor(30, TimeUnit.SECONDS)) {
            apiServer.destroyForcibly().waitFor();
        }
        processes.remove(apiServer);
    }

    private boolean ready() {
        try {
            if (http == null) {
                caPem = Files.readString(work.resolve("certs/apiserver.crt"));
                http = HttpClient.newBuilder().sslContext(trusting(caPem)).connectTimeout(Duration.ofSeconds(2)).build();
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url().resolve("/readyz")).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + adminToken).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().strip().equals("ok");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            throw new AssertionError("cannot trust the API server's certificate: " + e.getMessage(), e);
        }
    }

    public URI url() {
        return URI.create("https://127.0.0.1:" + apiPort);
    }

    /** The API server's self-signed serving certificate, which is also its CA. */
    public String caPem() {
        return caPem;
    }

    public String adminToken() {
        return adminToken;
    }

    /** A kubeconfig for this cluster that authenticates with {@code token}. */
    public String kubeconfig(String token) throws IOException {
        String ca = Base64.getEncoder().encodeToString(Files.readAllBytes(work.resolve("certs/apiserver.crt")));
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster: {server: "%s", certificate-authority-data: %s}
                users:
                - name: user
                  user: {token: "%s"}
                contexts:
                - name: test
                  context: {cluster: test, user: user}
                current-context: test
                """.formatted(url(), ca, token);
    }

    /** A token of a real service account, from the TokenRequest API: what a pod of it would get. */
    public String serviceAccountToken(String namespace, String name) throws Exception {
        JsonNode r = call("POST", "/api/v1/namespaces/" + namespace + "/serviceaccounts/" + name + "/token",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{\"expirationSeconds\":86400}}");
        return r.path("status").path("token").asText();
    }

    /** A namespace, once its default service account exists (pods cannot be created before). */
    public void createNamespace(String name) throws Exception {
        call("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + name + "\"}}");
        await(() -> status("GET", "/api/v1/namespaces/" + name + "/serviceaccounts/default", null, null) == 200,
                READY_WITHIN, "the default service account of namespace " + name, "kube-controller-manager");
    }

    /** A Node object for pods to be scheduled to, with allocatable CPUs (in-place resize checks them). */
    public void createNode(String name, int cpus) throws Exception {
        call("POST", "/api/v1/nodes", "{\"metadata\":{\"name\":\"" + name + "\"}}");
        call("PATCH", "/api/v1/nodes/" + name + "/status", "{\"status\":{\"capacity\":{\"cpu\":\"" + cpus + "\",\"memory\":\"8Gi\",\"pods\":\"110\"},"
                + "\"allocatable\":{\"cpu\":\"" + cpus + "\",\"memory\":\"8Gi\",\"pods\":\"110\"}}}", "application/merge-patch+json");
    }

    /** An admin request; fails unless it answers 2xx. */
    public JsonNode call(String method, String path, String body) throws Exception {
        return call(method, path, body, method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
    }

    public JsonNode call(String method, String path, String body, String contentType) throws Exception {
        Response r = request(method, path, body, contentType, adminToken);
        if (r.status() / 100 != 2) {
            throw new AssertionError(method + " " + path + " answered " + r.status() + ": " + r.json().path("message").asText(r.json().toString()));
        }
        return r.json();
    }

    /** What the API server answered. */
    public record Response(int status, JsonNode json) {
    }

    /** A request as anyone (the token says who): the status and the JSON body. */
    public Response request(String method, String path, String body, String contentType, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url().resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            ObjectNode n = JSON.createObjectNode();
            n.put("message", r.body());
            json = n;
        }
        return new Response(r.statusCode(), json);
    }

    private int status(String method, String path, String body, String contentType) {
        try {
            return request(method, path, body, contentType, adminToken).status();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Waits for a condition, failing with what was awaited and the log of the process concerned. */
    public void await(BooleanSupplier done, Duration within, String what, String log) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            for (Process p : List.copyOf(processes)) {
                if (!p.isAlive()) {
                    throw new AssertionError("a control-plane process exited while waiting for " + what + "; " + tail(log));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + within.toSeconds() + " s waiting for " + what + "; " + tail(log));
            }
            Thread.sleep(200);
        }
    }

    private String tail(String log) {
        try {
            List<String> lines = Files.readAllLines(work.resolve(log + ".log"));
            return log + ".log ends:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "no " + log + ".log";
        }
    }

    private Process spawn(String name, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve(name + ".log").toFile())).start();
        processes.add(p);
        return p;
    }

    private void writeServiceAccountKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        Files.writeString(work.resolve("sa.key"), pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
        Files.writeString(work.resolve("sa.pub"), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static SSLContext trusting(String caPem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("apiserver", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).destroy(); // the controller manager and API server before etcd
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
