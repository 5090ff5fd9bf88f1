package dev.gmpwatch.remediator.action.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmpwatch.remediator.testing.RemediatorHarness;
import dev.gmpwatch.remediator.testing.Repo;
import dev.gmpwatch.remediator.testing.TestConfig;
import dev.gmpwatch.testkit.KubeCluster;
import dev.gmpwatch.testkit.Kubelet;
import dev.gmpwatch.testkit.Manifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubernetes action against a real kube-apiserver and the real EndpointSlice controller, as
 * the remediator's own service account with the Role of deploy/kubernetes/remediator.yaml. The
 * test plays the kubelet: it creates the pods and reports them Ready.
 */
class KubernetesActionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "shop";
    /** Allowed by the configuration, but the Role is not bound there: RBAC must refuse. */
    private static final String UNBOUND_NS = "billing";
    private static KubeCluster cluster;
    private static Kubelet kubelet;
    private static String token;

    @TempDir
    Path dir;
    RemediatorHarness r;

    @BeforeAll
    static void controlPlane() throws Exception {
        Path work = Files.createDirectories(Repo.root().resolve("remediator/target/test-work/kubernetes"));
        cluster = KubeCluster.start(work.resolve("cluster"));
        cluster.createNode("node-a", 4);
        cluster.createNamespace(NS);
        cluster.createNamespace(UNBOUND_NS);
        cluster.createNamespace("gmpwatch");
        Path manifest = Repo.root().resolve("deploy/kubernetes/remediator.yaml");
        for (JsonNode doc : Manifests.read(manifest, Set.of("ServiceAccount", "Role", "RoleBinding")::contains)) {
            if (!doc.path("kind").asText().equals("ServiceAccount")) {
                ((ObjectNode) doc.path("metadata")).put("namespace", NS); // as a user copies it for their namespace
            }
            KubeCluster.Response a = Manifests.apply(cluster, doc, false);
            assertEquals(2, a.status() / 100, "apply " + doc.path("kind").asText() + ": " + a.json());
        }
        token = cluster.serviceAccountToken("gmpwatch", "gmpwatch-remediator");
        kubelet = new Kubelet(cluster, "node-a");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("kubeconfig"), cluster.kubeconfig(token));
        String limit = "rateLimit: {perTarget: 100/1m, perPolicy: 100/1m}";
        r = new RemediatorHarness(TestConfig.sqlite(dir)
                .section("kubernetes", "{kubeconfig: kubeconfig, namespaces: [" + NS + ", " + UNBOUND_NS + "]}")
                .policy("leak-gate", "{alertname: GoroutineLeak, app: gated}",
                        "{type: kubernetes, lever: circuit, mode: readinessGate, service: gated}", "restoreAfter: 1m", limit)
                .policy("leak-label", "{alertname: GoroutineLeak, app: labelled}", "{type: kubernetes, lever: circuit, service: labelled}",
                        "restoreAfter: 1m", limit, "caps: {maxOpenPerService: 2, maxOpenFraction: 0.5}")
                .policy("idle", "{alertname: GoProcessorsIdle}",
                        "{type: kubernetes, lever: gomaxprocs, direction: down, max: 4, minInterval: 30s}", limit)
                .yaml(), dir, false);
    }

    @AfterEach
    void stop() {
        r.close();
    }

    @Test
    void readinessGateModeSetsTheConditionAndRestoresItAfterRestoreAfter() throws Exception {
        JsonNode gate = JSON.readTree("{\"readinessGates\":[{\"conditionType\":\"gmpwatch.dev/healthy\"}]}");
        service("gated", Map.of("app", "gated"));
        for (String pod : List.of("gated-1", "gated-2", "gated-3")) {
            running(pod, Map.of("app", "gated"), gate);
        }
        awaitReadyEndpoints("gated", 3);
        // A pod with the gate is not Ready until its condition exists: the remediator sets it True on new pods.
        cluster.await(() -> List.of("gated-1", "gated-2", "gated-3").stream().allMatch(p -> conditionQuietly(p).equals("True")),
                Duration.ofSeconds(20), "the remediator to set the gate True on the new pods", "kube-apiserver");
        assertAccepted(leak("firing", "a1", "gated-1", "gated"));
        r.executor.runDue();
        assertEquals("False", condition("gated-1"), "the API server stored the gate False");
        Thread.sleep(2 * 5_000 + 500);
        assertEquals("False", condition("gated-1"), "the gate initializer never flips an open circuit back");
        assertTrue(actions().contains("readiness gate gmpwatch.dev/healthy=False verified"), actions());

        assertAccepted(leak("firing", "a2", "gated-2", "gated"));
        r.executor.runDue();
        assertEquals("True", condition("gated-2"), "a second pod of the Service is refused by maxOpenPerService");
        assertTrue(actions().contains("cap: 1 pod(s) of Service shop/gated already out"), actions());
        assertTrue(actions().contains("skipped-rate-limited"), actions());

        r.post(leak("resolved", "a1", "gated-1", "gated"));
        r.clock.advance(Duration.ofSeconds(59));
        r.executor.runDue();
        assertEquals("False", condition("gated-1"), "not before restoreAfter");
        r.clock.advance(Duration.ofSeconds(2));
        r.executor.runDue();
        assertEquals("True", condition("gated-1"), "restored");
        assertTrue(actions().contains("restored: readiness gate gmpwatch.dev/healthy=True verified"), actions());
    }

    @Test
    void labelModeTakesThePodOutOfTheEndpointSliceAndTheFractionCapKeepsTheLastOne() throws Exception {
        service("labelled", Map.of("app", "labelled", "gmpwatch.dev/circuit", "closed"));
        Map<String, String> labels = Map.of("app", "labelled", "gmpwatch.dev/circuit", "closed");
        running("labelled-1", labels, null);
        running("labelled-2", labels, null);
        awaitReadyEndpoints("labelled", 2);
        r.post(leak("firing", "b1", "labelled-1", "labelled"));
        r.executor.runDue();
        assertEquals("open", podLabel("labelled-1"));
        awaitEndpoints("labelled", Set.of("labelled-2"));
        assertTrue(actions().contains("label gmpwatch.dev/circuit=open verified"), actions());

        r.post(leak("firing", "b2", "labelled-2", "labelled"));
        r.executor.runDue();
        assertEquals("closed", podLabel("labelled-2"), "the last endpoint stays");
        assertTrue(actions().contains("cap: 2 of 2 endpoints of Service shop/labelled would be out, over 50%"), actions());

        r.post(leak("resolved", "b1", "labelled-1", "labelled"));
        r.clock.advance(Duration.ofMinutes(2));
        r.executor.runDue();
        assertEquals("closed", podLabel("labelled-1"));
        awaitEndpoints("labelled", Set.of("labelled-1", "labelled-2"));
    }

    @Test
    void hostileOrDisallowedNamesGet400AndTouchNothing() throws Exception {
        String ok = leak("firing", "d1", "gated-1", "gated");
        for (String[] bad : new String[][] {{"\"namespace\":\"shop\"", "\"namespace\":\"Shop;rm -rf\""},
                {"\"namespace\":\"shop\"", "\"namespace\":\"kube-system\""},
                {"\"pod\":\"gated-1\"", "\"pod\":\"../../nodes/node-a\""},
                {"\"pod\":\"gated-1\"", "\"pod\":\"gated-1?dryRun=All\""},
                {"\"pod\":\"gated-1\"", "\"pod\":\"" + "a".repeat(254) + "\""},
                {"\"pod\":\"gated-1\",", ""}}) {
            String body = ok.replace(bad[0], bad[1]);
            var answer = r.post(body);
            assertEquals(400, answer.statusCode(), body);
            assertTrue(answer.body().contains("label pod") || answer.body().contains("label namespace")
                    || answer.body().contains("is not in kubernetes.namespaces"), answer.body());
        }
        assertFalse(actions().contains("\"policy\""), "nothing was audited as decided: " + actions());
    }

    @Test
    void rbacRefusesANamespaceTheRoleDoesNotCoverAndTheRefusalIsAuditedNotRetried() throws Exception {
        String body = leak("firing", "c1", "gated-1", "gated").replace("\"namespace\":\"shop\"", "\"namespace\":\"" + UNBOUND_NS + "\"");
        assertAccepted(body);
        r.executor.runDue();
        String audit = actions();
        assertTrue(audit.contains("skipped-forbidden"), audit);
        assertTrue(audit.contains("forbidden: get pods " + UNBOUND_NS + "/gated-1"), audit);
        assertEquals(0, JSON.readTree(r.get("/api/v1/state").body()).path("pendingActions").size(), "not retried");
        assertTrue(r.get("/metrics").body().contains("gmpwatch_remediator_actions_total{action=\"kubernetes\",result=\"refused\",} 1.0"));
    }

    @Test
    void gomaxprocsStepsTheContainersCpuLimitByInPlaceResize() throws Exception {
        JsonNode container = JSON.readTree("""
                {"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "4"}},
                 "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]}""");
        kubelet.createPod(NS, "cpu-1", Map.of("app", "cpu"), container, null, "app");
        kubelet.reportRunning(NS, "cpu-1", "10.244.1.1", Map.of("app", "containerd://" + "1".repeat(64)));
        assertAccepted(idle("e1", "cpu-1", "go1.26.8"));
        r.executor.runDue();
        assertEquals("3", limit("cpu-1"), "the API server accepted the resize: " + actions());
        assertTrue(actions().contains("CPU limit 4 -> 3"), actions());

        r.post(idle("e1", "cpu-1", "go1.26.8").replace("2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z"));
        r.executor.runDue();
        assertEquals("3", limit("cpu-1"), "within minInterval");

        ObjectNode pinned = (ObjectNode) container.deepCopy();
        pinned.putArray("env").addObject().put("name", "GOMAXPROCS").put("value", "4");
        kubelet.createPod(NS, "cpu-2", Map.of("app", "cpu"), pinned, null, "app");
        r.post(idle("e2", "cpu-2", "go1.26.8"));
        r.post(idle("e3", "cpu-1", "go1.24.3").replace("\"pod\":\"cpu-1\"", "\"pod\":\"cpu-3\""));
        kubelet.createPod(NS, "cpu-3", Map.of("app", "cpu"), container, null, "app");
        r.executor.runDue();
        assertEquals("4", limit("cpu-2"));
        assertEquals("4", limit("cpu-3"));
        String audit = actions();
        assertTrue(audit.contains("the container sets GOMAXPROCS in its env"), audit);
        assertTrue(audit.contains("go1.24.3 ignores the CPU limit"), audit);
    }

    private void assertAccepted(String notification) throws Exception {
        var answer = r.post(notification);
        assertEquals(200, answer.statusCode(), answer.body());
    }

    private String leak(String status, String fp, String pod, String app) {
        return "{\"version\":\"4\",\"status\":\"" + status + "\",\"alerts\":[{\"status\":\"" + status + "\",\"fingerprint\":\"" + fp
                + "\",\"startsAt\":\"2026-01-01T00:00:00Z\",\"labels\":{\"alertname\":\"GoroutineLeak\",\"app\":\"" + app
                + "\",\"namespace\":\"shop\",\"pod\":\"" + pod + "\",\"container\":\"app\",\"pid\":\"4242\",\"exe\":\"app\"}}]}";
    }

    private String idle(String fp, String pod, String go) {
        return "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"" + fp
                + "\",\"startsAt\":\"2026-01-01T00:00:00Z\",\"labels\":{\"alertname\":\"GoProcessorsIdle\",\"namespace\":\"shop\","
                + "\"pod\":\"" + pod + "\",\"container\":\"app\",\"go_version\":\"" + go + "\"}}]}";
    }

    private void service(String name, Map<String, String> selector) throws Exception {
        ObjectNode svc = JSON.createObjectNode();
        svc.putObject("metadata").put("name", name);
        svc.putObject("spec").set("selector", JSON.valueToTree(selector));
        ((ObjectNode) svc.path("spec")).putArray("ports").addObject().put("port", 80).put("targetPort", 8080);
        cluster.call("POST", "/api/v1/namespaces/" + NS + "/services", JSON.writeValueAsString(svc));
    }

    private int ip = 10;

    private void running(String pod, Map<String, String> labels, JsonNode extraSpec) throws Exception {
        kubelet.createPod(NS, pod, labels, null, extraSpec, "app");
        kubelet.reportRunning(NS, pod, "10.244.0." + ip++, Map.of("app", "containerd://" + "ab".repeat(32)));
    }

    private Set<String> readyEndpoints(String service) throws Exception {
        Set<String> out = new HashSet<>();
        JsonNode slices = cluster.call("GET", "/apis/discovery.k8s.io/v1/namespaces/" + NS
                + "/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D" + service, null);
        for (JsonNode s : slices.path("items")) {
            for (JsonNode e : s.path("endpoints")) {
                if (e.path("conditions").path("ready").asBoolean()) {
                    out.add(e.path("targetRef").path("name").asText());
                }
            }
        }
        return out;
    }

    private void awaitReadyEndpoints(String service, int n) throws Exception {
        cluster.await(() -> {
            try {
                return readyEndpoints(service).size() == n;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), n + " ready endpoints of " + service, "kube-controller-manager");
    }

    /** Waits until the Service's EndpointSlices, as the real controller writes them, list exactly these pods. */
    private void awaitEndpoints(String service, Set<String> pods) throws Exception {
        cluster.await(() -> {
            try {
                return readyEndpoints(service).equals(pods);
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), "the endpoints of " + service + " to be " + pods, "kube-controller-manager");
    }

    private String condition(String pod) throws Exception {
        for (JsonNode c : cluster.call("GET", "/api/v1/namespaces/" + NS + "/pods/" + pod, null).path("status").path("conditions")) {
            if (c.path("type").asText().equals("gmpwatch.dev/healthy")) {
                return c.path("status").asText();
            }
        }
        return "";
    }

    private String conditionQuietly(String pod) {
        try {
            return condition(pod);
        } catch (Exception e) {
            return "";
        }
    }

    private String podLabel(String pod) throws Exception {
        return cluster.call("GET", "/api/v1/namespaces/" + NS + "/pods/" + pod, null).path("metadata").path("labels")
                .path("gmpwatch.dev/circuit").asText();
    }

    private String limit(String pod) throws Exception {
        return cluster.call("GET", "/api/v1/namespaces/" + NS + "/pods/" + pod, null).path("spec").path("containers").get(0)
                .path("resources").path("limits").path("cpu").asText();
    }

    private String actions() throws Exception {
        return r.get("/api/v1/actions?limit=100").body();
    }
}
