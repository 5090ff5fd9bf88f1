package dev.gmpwatch.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.testkit.KubeCluster;
import dev.gmpwatch.testkit.Manifests;
import dev.gmpwatch.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes applied for real to a real kube-apiserver (server-side apply, admission and
 * all), with prometheus-operator's CRDs installed from its published YAML; then the RBAC checked
 * with SubjectAccessReviews: each service account can do what it needs and nothing more.
 */
class ManifestsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Repo.root();
    private static final String EXPORTER = "system:serviceaccount:gmpwatch:gmpwatch-exporter";
    private static final String REMEDIATOR = "system:serviceaccount:gmpwatch:gmpwatch-remediator";
    private static KubeCluster cluster;

    @BeforeAll
    static void applyEverything() throws Exception {
        cluster = KubeCluster.start(ROOT.resolve("e2e/target/test-work/manifests"));
        for (Path crd : operatorCrds()) {
            JsonNode doc = Manifests.read(crd).get(0);
            KubeCluster.Response r = Manifests.apply(cluster, doc, false);
            assertEquals(2, r.status() / 100, crd + ": " + r.json().path("message").asText());
            String name = doc.path("metadata").path("name").asText();
            cluster.await(() -> established(name), Duration.ofSeconds(60), "CRD " + name + " to be established", "kube-apiserver");
        }
        cluster.createNamespace("my-app"); // the workloads' namespace the remediator's Role is written for
        List<Path> files;
        try (Stream<Path> s = Files.list(ROOT.resolve("deploy/kubernetes"))) {
            files = new ArrayList<>(s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList());
        }
        files.remove(ROOT.resolve("deploy/kubernetes/namespace.yaml"));
        files.add(0, ROOT.resolve("deploy/kubernetes/namespace.yaml"));
        for (Path f : files) {
            for (JsonNode doc : Manifests.read(f)) {
                KubeCluster.Response r = Manifests.apply(cluster, doc, false);
                assertEquals(2, r.status() / 100, f.getFileName() + ": " + doc.path("kind").asText() + "/"
                        + doc.path("metadata").path("name").asText() + ": " + r.json().path("message").asText(r.json().toString()));
            }
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyObjectWasStored() throws Exception {
        assertEquals("gmpwatch-exporter", cluster.call("GET", "/apis/apps/v1/namespaces/gmpwatch/daemonsets/gmpwatch-exporter", null)
                .path("metadata").path("name").asText());
        JsonNode ds = cluster.call("GET", "/apis/apps/v1/namespaces/gmpwatch/daemonsets/gmpwatch-exporter", null);
        assertTrue(ds.path("spec").path("template").path("spec").path("hostPID").asBoolean(), "admitted with hostPID");
        assertEquals(1, cluster.call("GET", "/apis/apps/v1/namespaces/gmpwatch/deployments/gmpwatch-remediator", null)
                .path("spec").path("replicas").asInt());
        assertEquals(2, cluster.call("GET", "/apis/monitoring.coreos.com/v1/namespaces/gmpwatch/servicemonitors", null)
                .path("items").size());
        assertTrue(cluster.call("GET", "/apis/monitoring.coreos.com/v1/namespaces/gmpwatch/prometheusrules", null)
                .path("items").get(0).path("spec").path("groups").size() > 5);
    }

    @Test
    void theExporterMayListAndWatchPodsAndNothingElse() throws Exception {
        assertAllowed(EXPORTER, "list", "pods", "", "");
        assertAllowed(EXPORTER, "watch", "pods", "", "");
        assertDenied(EXPORTER, "get", "pods", "", "my-app");
        assertDenied(EXPORTER, "delete", "pods", "", "my-app");
        assertDenied(EXPORTER, "patch", "pods", "status", "my-app");
        assertDenied(EXPORTER, "list", "secrets", "", "");
    }

    @Test
    void theRemediatorMayPatchPodsOnlyInItsNamespaces() throws Exception {
        assertAllowed(REMEDIATOR, "get", "pods", "", "my-app");
        assertAllowed(REMEDIATOR, "list", "pods", "", "my-app");
        assertAllowed(REMEDIATOR, "patch", "pods", "", "my-app");
        assertAllowed(REMEDIATOR, "patch", "pods", "status", "my-app");
        assertAllowed(REMEDIATOR, "patch", "pods", "resize", "my-app");
        assertAllowed(REMEDIATOR, "list", "endpointslices", "", "my-app", "discovery.k8s.io");
        assertDenied(REMEDIATOR, "delete", "pods", "", "my-app");
        assertDenied(REMEDIATOR, "create", "pods", "", "my-app");
        assertDenied(REMEDIATOR, "patch", "pods", "status", "default");
        assertDenied(REMEDIATOR, "patch", "pods", "", "kube-system");
        assertDenied(REMEDIATOR, "list", "pods", "", "");
        assertDenied(REMEDIATOR, "get", "secrets", "", "gmpwatch");
    }

    private static void assertAllowed(String user, String verb, String resource, String sub, String ns, String... group) throws Exception {
        assertTrue(review(user, verb, resource, sub, ns, group), user + " may " + verb + " " + resource + "/" + sub + " in '" + ns + "'");
    }

    private static void assertDenied(String user, String verb, String resource, String sub, String ns, String... group) throws Exception {
        assertTrue(!review(user, verb, resource, sub, ns, group), user + " may not " + verb + " " + resource + "/" + sub + " in '" + ns + "'");
    }

    /** A SubjectAccessReview through the real RBAC authorizer. */
    private static boolean review(String user, String verb, String resource, String sub, String ns, String... group) throws Exception {
        var attrs = JSON.createObjectNode().put("verb", verb).put("resource", resource).put("subresource", sub)
                .put("namespace", ns).put("group", group.length > 0 ? group[0] : "");
        var review = JSON.createObjectNode().put("apiVersion", "authorization.k8s.io/v1").put("kind", "SubjectAccessReview");
        var spec = review.putObject("spec");
        spec.put("user", user);
        spec.putArray("groups").add("system:serviceaccounts").add("system:serviceaccounts:gmpwatch").add("system:authenticated");
        spec.set("resourceAttributes", attrs);
        JsonNode r = cluster.call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", JSON.writeValueAsString(review));
        return r.path("status").path("allowed").asBoolean();
    }

    private static boolean established(String crd) {
        try {
            for (JsonNode c : cluster.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd, null)
                    .path("status").path("conditions")) {
                if (c.path("type").asText().equals("Established") && c.path("status").asText().equals("True")) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** prometheus-operator's published CRDs, from its Go module (the version the validator uses). */
    private static List<Path> operatorCrds() throws Exception {
        Matcher m = Pattern.compile("OPERATOR_MODULE = \"([^\"]+)\"").matcher(Files.readString(ROOT.resolve("scripts/validate-manifests.py")));
        assertTrue(m.find(), "scripts/validate-manifests.py names no OPERATOR_MODULE");
        Command c = Command.run(ROOT, List.of("go", "mod", "download", "-json", m.group(1))).assertSuccess();
        Path dir = Path.of(JSON.readTree(c.output()).path("Dir").asText()).resolve("example/prometheus-operator-crd");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> crds = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertTrue(crds.size() >= 8, "CRDs in " + dir + ": " + crds);
            return crds;
        }
    }
}
