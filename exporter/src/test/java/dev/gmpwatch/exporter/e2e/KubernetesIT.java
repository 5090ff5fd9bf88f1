package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.Repo;
import dev.gmpwatch.testkit.ContainerCgroup;
import dev.gmpwatch.testkit.KubeCluster;
import dev.gmpwatch.testkit.Kubelet;
import dev.gmpwatch.testkit.Manifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pod identity on a node, against a real kube-apiserver: fixtures moved into cgroups laid out as
 * kubelets lay them out, Pod objects whose container IDs match, and the exporter with the RBAC
 * of deploy/kubernetes/exporter.yaml (list and watch on pods, through a real service-account token).
 */
class KubernetesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NODE = "node-a";
    private static final String NS = "shop";
    private static KubeCluster cluster;
    private static Kubelet kubelet;
    private static Path kubeconfig;

    @BeforeAll
    static void controlPlane() throws Exception {
        Path work = Repo.scratch("kubernetes-it");
        cluster = KubeCluster.start(work.resolve("cluster"));
        cluster.createNode(NODE, 2);
        cluster.createNode("node-b", 2);
        cluster.createNamespace(NS);
        Path manifests = Repo.root().resolve("deploy/kubernetes");
        Manifests.apply(cluster, Manifests.read(manifests.resolve("namespace.yaml")).get(0), false);
        Predicate<String> rbac = Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding")::contains;
        for (JsonNode doc : Manifests.read(manifests.resolve("exporter.yaml"), rbac)) {
            KubeCluster.Response r = Manifests.apply(cluster, doc, false);
            assertEquals(200, r.status() / 100 * 100, "apply " + doc.path("kind").asText() + ": " + r.json());
        }
        kubeconfig = work.resolve("exporter.kubeconfig");
        Files.writeString(kubeconfig, cluster.kubeconfig(cluster.serviceAccountToken("gmpwatch", "gmpwatch-exporter")));
        kubelet = new Kubelet(cluster, NODE);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void seriesSayWhichPodAndContainerFromTheCgroupAloneAndNamesComeFromTheApi() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.STRIPPED);
        String uidA = kubelet.createPod(NS, "api-a", Map.of("app", "api"), null, null, "api");
        String uidB = kubelet.createPod(NS, "worker-b", Map.of("app", "worker"), null, null, "sidecar", "worker");
        // A pod of another node: the exporter must not list it, even though a process here claims it.
        String uidElsewhere = new Kubelet(cluster, "node-b").createPod(NS, "elsewhere", Map.of(), null, null, "api");
        try (ContainerCgroup a = ContainerCgroup.create(ContainerCgroup.Layout.CGROUPFS_V1, uidA);
             ContainerCgroup b = ContainerCgroup.create(ContainerCgroup.Layout.SYSTEMD_V2, uidB);
             ContainerCgroup c = ContainerCgroup.create(ContainerCgroup.Layout.CGROUPFS_V1, uidElsewhere);
             FixtureProcess fa = started(bin, a); FixtureProcess fb = started(bin, b); FixtureProcess fc = started(bin, c)) {
            kubelet.reportRunning(NS, "api-a", "10.244.0.11", Map.of("api", a.runtimeContainerId()));
            kubelet.reportRunning(NS, "worker-b", "10.244.0.12", Map.of("worker", b.runtimeContainerId(),
                    "sidecar", "containerd://" + "e".repeat(64)));
            try (ExporterProcess plain = ExporterProcess.start("--discover", "--discover.match", "spawner");
                 ExporterProcess named = ExporterProcess.start("--discover", "--discover.match", "spawner",
                         "--kubernetes.kubeconfig", kubeconfig.toString(), "--kubernetes.node", NODE)) {
                Scrape s = plain.awaitWatching(fc.pid());
                plain.awaitWatching(fa.pid());
                s = plain.awaitWatching(fb.pid());
                assertTrue(s.has("gmpwatch_goroutines_live", "pid", pid(fa), "container_id", a.containerId(), "pod_uid", uidA),
                        "the cgroupfs driver's layout on cgroup v1:\n" + s.text);
                assertTrue(s.has("gmpwatch_goroutines_live", "pid", pid(fb), "container_id", b.containerId(), "pod_uid", uidB),
                        "the systemd driver's layout on cgroup2:\n" + s.text);
                assertFalse(s.text.contains("namespace="), "without --kubernetes only the cgroup's labels:\n" + s.text);

                Scrape k = awaitNamed(named, fb, "worker");
                for (String family : List.of("gmpwatch_goroutines_live", "gmpwatch_gomaxprocs", "gmpwatch_goroutines_created_total")) {
                    assertTrue(k.has(family, "pid", pid(fa), "namespace", NS, "pod", "api-a", "container", "api",
                            "container_id", a.containerId(), "pod_uid", uidA), family + " of api-a:\n" + k.text);
                    assertTrue(k.has(family, "pid", pid(fb), "namespace", NS, "pod", "worker-b", "container", "worker"),
                            family + " of worker-b:\n" + k.text);
                }
                assertTrue(k.has("gmpwatch_goroutines", "pid", pid(fa), "state", "waiting", "pod", "api-a"), k.text);
                assertTrue(k.has("gmpwatch_target_info", "pid", pid(fc), "pod_uid", uidElsewhere, "namespace", "", "pod", ""),
                        "a pod of another node is not listed:\n" + k.text);
                assertEquals(2, k.value("gmpwatch_kubernetes_pods"), "only the pods of " + NODE);
                assertEquals(1, k.value("gmpwatch_kubernetes_up"));
            }
        }
    }

    @Test
    void deletingThePodObjectRemovesItsNamesWithinOneWatchEvent() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        String uid = kubelet.createPod(NS, "short-lived", Map.of("app", "batch"), null, null, "job");
        try (ContainerCgroup cg = ContainerCgroup.create(ContainerCgroup.Layout.SYSTEMD_V2, uid);
             FixtureProcess fx = running(bin, cg, "short-lived", "job", "10.244.0.20"); ExporterProcess ex = namingExporter()) {
            Scrape before = awaitNamed(ex, fx, "job");
            double events = before.value("gmpwatch_kubernetes_watch_events_total");
            cluster.call("DELETE", "/api/v1/namespaces/" + NS + "/pods/short-lived?gracePeriodSeconds=0", null);
            long t0 = System.nanoTime();
            Scrape after = ex.scrape();
            while (!after.has("gmpwatch_goroutines_live", "pid", pid(fx), "pod", "")) {
                assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "names still there 10 s after DELETE:\n" + after.text);
                Thread.sleep(50);
                after = ex.scrape();
            }
            System.out.printf("KUBERNETES pod deleted -> names gone: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            assertTrue(after.has("gmpwatch_goroutines_live", "pid", pid(fx), "container_id", cg.containerId(), "pod_uid", uid),
                    "the cgroup's identity stays:\n" + after.text);
            // The DELETE is one or two events (a MODIFIED that marks it terminating, then DELETED), never a relist.
            assertTrue(after.value("gmpwatch_kubernetes_watch_events_total") - events <= 2, after.text);
            assertEquals(1, after.value("gmpwatch_kubernetes_lists_total"), "names removed by the watch, not by a relist");
        }
    }

    @Test
    void anApiServerOutageLosesNoSeriesAndTheWatchResumesFromItsVersion() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.PIE);
        String uid = kubelet.createPod(NS, "steady", Map.of("app", "steady"), null, null, "app");
        try (ContainerCgroup cg = ContainerCgroup.create(ContainerCgroup.Layout.CGROUPFS_V1, uid);
             FixtureProcess fx = running(bin, cg, "steady", "app", "10.244.0.30"); ExporterProcess ex = namingExporter()) {
            Scrape before = awaitNamed(ex, fx, "app");
            Set<String> familiesBefore = familiesOf(before, fx);
            cluster.stopApiServer();
            long down = System.nanoTime();
            double errors = 0;
            while (System.nanoTime() - down < Duration.ofSeconds(30).toNanos()) {
                Scrape s = ex.scrape();
                assertTrue(s.has("gmpwatch_goroutines_live", "pid", pid(fx), "pod", "steady", "container", "app"),
                        "names kept while the API is down:\n" + s.text);
                assertTrue(familiesOf(s, fx).containsAll(familiesBefore), "no series lost:\n" + s.text);
                errors = s.value("gmpwatch_kubernetes_api_errors_total", "reason", "unreachable");
                Thread.sleep(1000);
            }
            Scrape during = ex.scrape();
            assertTrue(errors >= 1, "the outage is counted:\n" + during.text);
            assertEquals(0, during.value("gmpwatch_kubernetes_up"));
            cluster.startApiServer();
            // A change made after the outage reaches the exporter: the watch is back.
            String uid2 = kubelet.createPod(NS, "after-outage", Map.of("app", "late"), null, null, "late");
            try (ContainerCgroup cg2 = ContainerCgroup.create(ContainerCgroup.Layout.SYSTEMD_V2, uid2);
                 FixtureProcess fx2 = running(bin, cg2, "after-outage", "late", "10.244.0.31")) {
                long back = System.nanoTime();
                Scrape s = awaitNamed(ex, fx2, "late");
                System.out.printf("KUBERNETES API back -> new pod named: %.1f s%n", (System.nanoTime() - back) / 1e9);
                assertEquals(1, s.value("gmpwatch_kubernetes_up"));
                // A restarted API server rebuilds its watch cache at etcd's current revision, so the
                // resumed watch may get 410 Gone for an older version: then, and only then, one relist.
                double lists = s.value("gmpwatch_kubernetes_lists_total");
                assertTrue(lists == 1 || (lists == 2 && ex.logText().contains("expired; listing again")),
                        lists + " lists; log:\n" + ex.logText());
            }
        }
    }

    /** A fixture in the pod's container, reported running by the kubelet with that container's ID. */
    private static FixtureProcess running(Path bin, ContainerCgroup cg, String pod, String container, String ip) throws Exception {
        FixtureProcess fx = started(bin, cg);
        kubelet.reportRunning(NS, pod, ip, Map.of(container, cg.runtimeContainerId()));
        return fx;
    }

    /** The exporter with --kubernetes, as the DaemonSet's service account. */
    private static ExporterProcess namingExporter() throws Exception {
        return ExporterProcess.start("--discover", "--discover.match", "spawner",
                "--kubernetes.kubeconfig", kubeconfig.toString(), "--kubernetes.node", NODE);
    }

    private static FixtureProcess started(Path bin, ContainerCgroup cg) throws Exception {
        FixtureProcess fx = FixtureProcess.start(bin);
        fx.await("ready", WAIT);
        cg.add(fx.pid());
        fx.send("leak 5");
        fx.await("done", WAIT);
        return fx;
    }

    /** Scrapes until the fixture's series carry the container name the API gives it. */
    private static Scrape awaitNamed(ExporterProcess ex, FixtureProcess fx, String container) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Scrape s = ex.scrape();
        while (!s.has("gmpwatch_goroutines_live", "pid", pid(fx), "container", container)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("pid " + fx.pid() + " never named " + container + ":\n" + s.text + "\nlog:\n" + ex.logText());
            }
            Thread.sleep(200);
            s = ex.scrape();
        }
        return s;
    }

    /** The metric names served for the fixture. */
    private static Set<String> familiesOf(Scrape s, FixtureProcess fx) {
        return s.text.lines().filter(l -> !l.startsWith("#") && l.contains("pid=\"" + fx.pid() + "\""))
                .map(l -> l.replaceAll("\\{.*\\}.*", "")).collect(java.util.stream.Collectors.toSet());
    }

    private static String pid(FixtureProcess fx) {
        return Long.toString(fx.pid());
    }
}
