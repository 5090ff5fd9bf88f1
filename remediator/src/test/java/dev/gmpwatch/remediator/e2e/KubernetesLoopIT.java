package dev.gmpwatch.remediator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmpwatch.remediator.testing.AlertmanagerServer;
import dev.gmpwatch.remediator.testing.Ports;
import dev.gmpwatch.remediator.testing.RemediatorProcess;
import dev.gmpwatch.remediator.testing.Repo;
import dev.gmpwatch.remediator.testing.TestConfig;
import dev.gmpwatch.remediator.testing.Waits;
import dev.gmpwatch.testkit.ContainerCgroup;
import dev.gmpwatch.testkit.KubeCluster;
import dev.gmpwatch.testkit.Kubelet;
import dev.gmpwatch.testkit.Manifests;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop on Kubernetes: two pods of one Service run the demo service (real processes in
 * kubelet-style cgroups), the exporter names their series from the API (--kubernetes), a real
 * Prometheus runs alerts/, a real Alertmanager notifies the remediator, and its kubernetes lever
 * takes the leaking pod out of the Service: the real EndpointSlice controller drops it and puts
 * it back after restoreAfter. Label mode, which the controller acts on with no kubelet.
 */
class KubernetesLoopIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "shop";
    private static final String TOKEN = "loop-token";
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @Test
    void aLeakingPodLeavesItsServiceAndComesBackWhileTheOtherStaysIn() throws Exception {
        Path repo = Repo.root();
        Path exporterJar = Repo.exporterJar();
        Path demo = buildDemo(repo);
        AlertmanagerServer am = null;
        try (KubeCluster cluster = KubeCluster.start(repo.resolve("remediator/target/test-work/kubernetes-loop"))) {
            Kubelet kubelet = new Kubelet(cluster, "node-a");
            cluster.createNode("node-a", 2);
            cluster.createNamespace(NS);
            cluster.createNamespace("gmpwatch");
            applyRbac(cluster, repo);
            cluster.call("POST", "/api/v1/namespaces/" + NS + "/services", """
                    {"metadata": {"name": "api"},
                     "spec": {"selector": {"app": "api", "gmpwatch.dev/circuit": "closed"}, "ports": [{"port": 80, "targetPort": 8080}]}}""");

            int bluePort = Ports.free();
            int greenPort = Ports.free();
            Map<String, String> labels = Map.of("app", "api", "gmpwatch.dev/circuit", "closed");
            String blueUid = kubelet.createPod(NS, "api-blue", labels, null, null, "api");
            String greenUid = kubelet.createPod(NS, "api-green", labels, null, null, "api");
            try (ContainerCgroup blue = ContainerCgroup.create(ContainerCgroup.Layout.SYSTEMD_V2, blueUid);
                 ContainerCgroup green = ContainerCgroup.create(ContainerCgroup.Layout.CGROUPFS_V1, greenUid)) {
                blue.add(start("api-blue", demo.toString(), "-listen", "127.0.0.1:" + bluePort).pid());
                green.add(start("api-green", demo.toString(), "-listen", "127.0.0.1:" + greenPort).pid());
                kubelet.reportRunning(NS, "api-blue", "10.244.0.21", Map.of("api", blue.runtimeContainerId()));
                kubelet.reportRunning(NS, "api-green", "10.244.0.22", Map.of("api", green.runtimeContainerId()));
                // The controller may publish the two pods one at a time: no guard until both are in.
                awaitEndpoints(cluster, Set.of("api-blue", "api-green"), Duration.ofSeconds(30), false);

                int exporterPort = Ports.free();
                Files.writeString(dir.resolve("exporter.kubeconfig"), cluster.kubeconfig(cluster.serviceAccountToken("gmpwatch", "gmpwatch-exporter")));
                start("exporter", "java", "-jar", exporterJar.toString(), "--discover", "--discover.match", "/demo$",
                        "--discover.interval", "1s", "--web.listen-address", "127.0.0.1:" + exporterPort,
                        "--kubernetes.kubeconfig", dir.resolve("exporter.kubeconfig").toString(), "--kubernetes.node", "node-a");
                int remediatorPort = Ports.free();
                Files.writeString(dir.resolve("token"), TOKEN + "\n");
                Files.writeString(dir.resolve("remediator.kubeconfig"), cluster.kubeconfig(cluster.serviceAccountToken("gmpwatch", "gmpwatch-remediator")));
                Files.writeString(dir.resolve("remediator.yml"), TestConfig.sqlite(dir).listen("127.0.0.1:" + remediatorPort)
                        .section("kubernetes", "{kubeconfig: remediator.kubeconfig, namespaces: [" + NS + "]}")
                        .policy("pod-leak", "{alertname: GoroutineLeak}", "{type: kubernetes, lever: circuit, mode: label, service: api}",
                                "restoreAfter: 5s", "minOpen: 5s", "rateLimit: {perTarget: 10/1m, perPolicy: 10/1m}",
                                "caps: {maxOpenPerService: 1, maxOpenFraction: 0.5}")
                        .yaml());
                RemediatorProcess remediator = RemediatorProcess.start(dir, dir.resolve("remediator.yml"), remediatorPort);
                processes.add(remediator.process());
                am = AlertmanagerServer.start(dir, "am",
                        AlertmanagerServer.routeToRemediator(dir, remediatorPort, dir.resolve("token"), "alertname, namespace, pod", true));
                int promPort = Ports.free();
                String rules;
                try (Stream<Path> s = Files.list(repo.resolve("alerts"))) {
                    rules = s.filter(p -> p.toString().endsWith(".rules.yml")).map(p -> "\"" + p + "\"").sorted().collect(Collectors.joining(", "));
                }
                Files.writeString(dir.resolve("prometheus.yml"), """
                        global: {scrape_interval: 1s, evaluation_interval: 1s}
                        rule_files: [%s]
                        alerting:
                          alertmanagers: [{static_configs: [{targets: ["127.0.0.1:%d"]}]}]
                        scrape_configs:
                          - job_name: gmpwatch-exporter
                            static_configs: [{targets: ["127.0.0.1:%d"]}]
                        """.formatted(rules, am.port(), exporterPort));
                start("prometheus", "/usr/bin/prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort);
                Waits.until(() -> Waits.ok("http://127.0.0.1:" + promPort + "/-/ready"), Duration.ofSeconds(60), "Prometheus", null);
                Waits.check(() -> query(promPort, "gmpwatch_goroutines_live{namespace=\"shop\"}").path("data").path("result").size() == 2,
                        Duration.ofSeconds(60), "Prometheus to have both pods' series with their names");

                // Blue leaks: out of the Service, green stays in.
                long leakStart = System.nanoTime();
                post("http://127.0.0.1:" + bluePort + "/leak/start?rate=500");
                awaitEndpoints(cluster, Set.of("api-green"), Duration.ofSeconds(150), true);
                double out = (System.nanoTime() - leakStart) / 1e9;
                System.out.printf("KUBERNETES LOOP leak start -> api-blue out of the EndpointSlice: %.1f s%n", out);

                // Green leaks too: the cap refuses to take out a second pod of the Service.
                post("http://127.0.0.1:" + greenPort + "/leak/start?rate=500");
                Waits.check(() -> remediator.audit(TOKEN).contains("cap: 1 pod(s) of Service shop/api already out"),
                        Duration.ofSeconds(150), "the cap to refuse api-green");
                assertEquals(Set.of("api-green"), readyEndpoints(cluster), "api-green stays in");
                post("http://127.0.0.1:" + greenPort + "/leak/stop");

                long leakStop = System.nanoTime();
                post("http://127.0.0.1:" + bluePort + "/leak/stop");
                awaitEndpoints(cluster, Set.of("api-blue", "api-green"), Duration.ofSeconds(120), true);
                double back = (System.nanoTime() - leakStop) / 1e9;
                System.out.printf("KUBERNETES LOOP leak stop -> api-blue back in the EndpointSlice: %.1f s (restoreAfter 5 s)%n", back);

                String audit = remediator.audit(TOKEN);
                assertTrue(audit.contains("label gmpwatch.dev/circuit=open verified"), audit);
                assertTrue(audit.contains("restored: label gmpwatch.dev/circuit=closed verified"), audit);
                for (JsonNode a : JSON.readTree(audit).path("actions")) {
                    if (a.path("target").asText().equals("kubernetes:shop/api-green")) {
                        assertTrue(!a.path("decision").asText().equals("executed"), "api-green was never taken out: " + a);
                    }
                }
            }
        } finally {
            Waits.stop(processes.toArray(new Process[0]));
            if (am != null) {
                am.close();
            }
        }
    }

    private static void applyRbac(KubeCluster cluster, Path repo) throws Exception {
        for (JsonNode doc : Manifests.read(repo.resolve("deploy/kubernetes/exporter.yaml"),
                Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding")::contains)) {
            Manifests.apply(cluster, doc, false);
        }
        for (JsonNode doc : Manifests.read(repo.resolve("deploy/kubernetes/remediator.yaml"),
                Set.of("ServiceAccount", "Role", "RoleBinding")::contains)) {
            if (!doc.path("kind").asText().equals("ServiceAccount")) {
                ((ObjectNode) doc.path("metadata")).put("namespace", NS);
            }
            KubeCluster.Response r = Manifests.apply(cluster, doc, false);
            assertEquals(2, r.status() / 100, r.json().toString());
        }
    }

    /** Builds deploy/local/demo, the service the local stack runs. */
    private Path buildDemo(Path repo) throws Exception {
        Path out = dir.resolve("bin/demo");
        Process p = new ProcessBuilder("go", "build", "-o", out.toString(), ".").directory(repo.resolve("deploy/local/demo").toFile())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("go build deploy/local/demo failed:\n" + log);
        }
        return out;
    }

    private static Set<String> readyEndpoints(KubeCluster cluster) throws Exception {
        Set<String> ready = new HashSet<>();
        for (JsonNode s : cluster.call("GET", "/apis/discovery.k8s.io/v1/namespaces/" + NS
                + "/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dapi", null).path("items")) {
            for (JsonNode e : s.path("endpoints")) {
                if (e.path("conditions").path("ready").asBoolean()) {
                    ready.add(e.path("targetRef").path("name").asText());
                }
            }
        }
        return ready;
    }

    /** Waits for the Service's ready endpoints to be exactly {@code pods}; with {@code greenStays}, api-green must never leave meanwhile. */
    private static void awaitEndpoints(KubeCluster cluster, Set<String> pods, Duration within, boolean greenStays) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        Set<String> now = readyEndpoints(cluster);
        while (!now.equals(pods)) {
            assertTrue(!greenStays || now.contains("api-green"), "api-green left the Service: " + now);
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the endpoints of shop/api are " + now + ", not " + pods + " after " + within.toSeconds() + " s");
            }
            Thread.sleep(250);
            now = readyEndpoints(cluster);
        }
    }

    private Process start(String name, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private void post(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
    }

    private JsonNode query(int promPort, String q) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort + "/api/v1/query?query="
                + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
