package dev.gmpwatch.exporter.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.collect.ProcessLabels;
import dev.gmpwatch.exporter.kernel.ContainerIdentity;
import dev.gmpwatch.exporter.kubernetes.PodIndex.PodNames;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Pods as the API returns them, indexed by the container IDs and pod UIDs cgroups give. */
class PodIndexTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP = "a".repeat(64);
    private static final String SIDECAR = "b".repeat(64);
    private static final String INIT = "c".repeat(64);
    private static final String UID = "8d1f9c2e-4b7a-4e3d-9f6a-1c2b3d4e5f60";

    @Test
    void everyContainerOfAPodIsNamedAndRuntimePrefixesAreDropped() throws Exception {
        PodIndex index = new PodIndex();
        index.put(PodIndex.Pod.of(pod(UID, "shop", "api-7c9f", "containerd://" + APP, "cri-o://" + SIDECAR)).orElseThrow());
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
        index.put(PodIndex.Pod.of(pod(UID, "shop", "api-1", "containerd://" + APP, "")).orElseThrow());
        index.remove(UID);
        assertEquals(Optional.empty(), index.names(new ContainerIdentity(APP, UID)));
        index.put(PodIndex.Pod.of(pod(UID, "shop", "api-1", "containerd://" + APP, "")).orElseThrow());
        index.replaceAll(List.of());
        assertEquals(0, index.size());
        assertEquals(Optional.empty(), index.names(new ContainerIdentity(APP, "")));
    }

    @Test
    void aPodWithoutUidOrStatusIsHandled() throws Exception {
        assertEquals(Optional.empty(), PodIndex.Pod.of(JSON.readTree("{\"metadata\":{\"name\":\"x\"}}")));
        PodIndex.Pod pending = PodIndex.Pod.of(JSON.readTree("{\"metadata\":{\"uid\":\"" + UID + "\",\"name\":\"p\",\"namespace\":\"n\"}}"))
                .orElseThrow();
        assertEquals(0, pending.containers().size());
    }

    @Test
    void labelerAddsNamesOrEmptyStrings() throws Exception {
        PodIndex index = new PodIndex();
        index.put(PodIndex.Pod.of(pod(UID, "shop", "api-1", "containerd://" + APP, "")).orElseThrow());
        PodLabeler labeler = new PodLabeler(index);
        ProcessLabels known = labeler.labels(42, "api", new ContainerIdentity(APP, UID));
        assertEquals(List.of("pid", "exe", "container_id", "pod_uid", "namespace", "pod", "container"), known.names());
        assertEquals(List.of("42", "api", APP, UID, "shop", "api-1", "app"), known.values());
        assertEquals(List.of("7", "sshd", "", "", "", "", ""), labeler.labels(7, "sshd", ContainerIdentity.NONE).values());
    }

    private static JsonNode pod(String uid, String ns, String name, String appId, String sidecarId) throws Exception {
        return JSON.readTree("""
                {"metadata": {"uid": "%s", "namespace": "%s", "name": "%s", "resourceVersion": "7"},
                 "status": {"initContainerStatuses": [{"name": "init", "containerID": "containerd://%s"}],
                            "containerStatuses": [{"name": "app", "containerID": "%s"},
                                                  {"name": "sidecar", "containerID": "%s"},
                                                  {"name": "waiting", "state": {"waiting": {"reason": "ContainerCreating"}}}]}}
                """.formatted(uid, ns, name, INIT, appId, sidecarId));
    }
}
