package dev.gmpwatch.exporter.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import dev.gmpwatch.exporter.kubernetes.PodIndex.PodNames;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Pods as the API returns them, indexed by the container IDs and pod UIDs cgroups give. */
class PodIndexTest {
    private static final String APP = "a".repeat(64);
    private static final String SIDECAR = "b".repeat(64);
    private static final String INIT = "c".repeat(64);
    private static final String UID = "8d1f9c2e-4b7a-4e3d-9f6a-1c2b3d4e5f60";

    @Test
    void everyContainerOfAPodIsNamedAndRuntimePrefixesAreDropped() throws Exception {
        PodIndex index = new PodIndex();
        index.put(pod(pod(UID, "shop", "api-7c9f", "containerd://" + APP, "cri-o://" + SIDECAR)));
        assertEquals(Optional.of(new PodNames("shop", "api-7c9f", "app")), index.names(new ContainerIdentity(APP, UID)));
        assertEquals(Optional.of(new PodNames("shop", "api-7c9f", "sidecar")), index.names(new ContainerIdentity(SIDECAR, "")),
                "the container ID alone is enough");
        assertEquals(Optional.of(new PodNames("shop", "api-7c9f", "init")), index.names(new ContainerIdentity(INIT, UID)));
        assertEquals(Optional.of(new PodNames("shop", "api-7c9f", "")), index.names(new ContainerIdentity("d".repeat(64), UID)),
                "a container the status does not list yet still has its pod");
        assertEquals(Optional.empty(), index.names(ContainerIdentity.NONE));
        assertEquals(1, index.size());
    }

    @Test
    void deletionAndRelistForgetNames() throws Exception {
        PodIndex index = new PodIndex();
        index.put(pod(pod(UID, "shop", "api-1", "containerd://" + APP, "")));
        index.remove(UID);
        assertEquals(Optional.empty(), index.names(new ContainerIdentity(APP, UID)));
        index.put(pod(pod(UID, "shop", "api-1", "containerd://" + APP, "")));
        index.replaceAll(List.of());
        assertEquals(0, index.size());
        assertEquals(Optional.empty(), index.names(new ContainerIdentity(APP, "")));
    }

    @Test
    void aListPageKeepsPodsWithUidsAndItsVersionAndContinueToken() throws Exception {
        String list = """
                {"kind": "PodList", "apiVersion": "v1",
                 "metadata": {"resourceVersion": "4711", "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"},
                 "items": [%s, {"metadata": {"name": "no-uid"}},
                           {"metadata": {"uid": "%s", "name": "pending", "namespace": "n", "managedFields": [{"a": [1, 2, {"b": null}]}]},
                            "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Pending", "conditions": []}}]}
                """.formatted(pod(UID, "shop", "api-1", "containerd://" + APP, ""), UID.replace('8', '9'));
        PodJson.Page page = PodJson.page(new java.io.ByteArrayInputStream(list.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("4711", page.resourceVersion());
        assertEquals("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", page.continueToken());
        assertEquals(2, page.pods().size(), "a pod without a UID is dropped");
        assertEquals(Map.of(APP, "app", INIT, "init"), page.pods().get(0).containers());
        assertEquals(0, page.pods().get(1).containers().size());
    }

    @Test
    void watchEventsCarryThePodTheVersionOrTheStatus() throws Exception {
        PodJson.Event added = PodJson.event("{\"type\":\"ADDED\",\"object\":" + pod(UID, "shop", "api-1", "containerd://" + APP, "") + "}");
        assertEquals("ADDED", added.type());
        assertEquals("api-1", added.pod().orElseThrow().name());
        assertEquals("7", added.resourceVersion());
        PodJson.Event deleted = PodJson.event("{\"object\":{\"metadata\":{\"uid\":\"" + UID + "\",\"resourceVersion\":\"9\"}},\"type\":\"DELETED\"}");
        assertEquals(UID, deleted.uid(), "the object may come before the type");
        PodJson.Event bookmark = PodJson.event("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\"12\"}}}");
        assertEquals(Optional.empty(), bookmark.pod());
        assertEquals("12", bookmark.resourceVersion());
        PodJson.Event gone = PodJson.event("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":\"Failure\","
                + "\"message\":\"too old resource version: 5 (4711)\",\"reason\":\"Expired\",\"code\":410}}");
        assertEquals(410, gone.code());
        assertEquals("too old resource version: 5 (4711)", gone.message());
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> PodJson.event("[1, 2]"));
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> PodJson.event("{\"type\": \"ADDED\", \"object\": {"));
    }

    @Test
    void labelerAddsNamesOrEmptyStrings() throws Exception {
        PodIndex index = new PodIndex();
        index.put(pod(pod(UID, "shop", "api-1", "containerd://" + APP, "")));
        PodLabeler labeler = new PodLabeler(index);
        ProcessLabels known = labeler.labels(42, "api", new ContainerIdentity(APP, UID));
        assertEquals(List.of("pid", "exe", "container_id", "pod_uid", "namespace", "pod", "container"), known.names());
        assertEquals(List.of("42", "api", APP, UID, "shop", "api-1", "app"), known.values());
        assertEquals(List.of("7", "sshd", "", "", "", "", ""), labeler.labels(7, "sshd", ContainerIdentity.NONE).values());
    }

    /** The pod as the index gets it from a watch event. */
    private static PodIndex.Pod pod(String json) throws Exception {
        return PodJson.event("{\"type\":\"ADDED\",\"object\":" + json + "}").pod().orElseThrow();
    }

    private static String pod(String uid, String ns, String name, String appId, String sidecarId) {
        return ("""
                {"metadata": {"uid": "%s", "namespace": "%s", "name": "%s", "resourceVersion": "7"},
                 "status": {"initContainerStatuses": [{"name": "init", "containerID": "containerd://%s"}],
                            "containerStatuses": [{"name": "app", "containerID": "%s"},
                                                  {"name": "sidecar", "containerID": "%s"},
                                                  {"name": "waiting", "state": {"waiting": {"reason": "ContainerCreating"}}}]}}
                """).formatted(uid, ns, name, INIT, appId, sidecarId);
    }
}
