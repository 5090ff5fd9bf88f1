package dev.gmpwatch.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * The kubelet's part, played by a test: creates Pods bound to a node and reports their status
 * (phase, IP, Ready, container IDs) as a kubelet would after starting their containers.
 */
public final class Kubelet {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KubeCluster cluster;
    private final String node;

    public Kubelet(KubeCluster cluster, String node) {
        this.cluster = cluster;
        this.node = node;
    }

    public String node() {
        return node;
    }

    /**
     * Creates a Pod on this node with one container per name (image example/NAME:1), the given
     * labels and, when {@code extraSpec} is not null, more spec fields merged in (readinessGates,
     * resources). Returns the UID the API server gave it.
     */
    public String createPod(String namespace, String name, Map<String, String> labels, JsonNode containerTemplate,
                            JsonNode extraSpec, String... containers) throws Exception {
        ObjectNode pod = JSON.createObjectNode();
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", name);
        meta.set("labels", JSON.valueToTree(labels));
        ObjectNode spec = pod.putObject("spec");
        spec.put("nodeName", node);
        spec.put("terminationGracePeriodSeconds", 0);
        ArrayNode list = spec.putArray("containers");
        for (String c : containers) {
            ObjectNode container = containerTemplate == null ? JSON.createObjectNode() : containerTemplate.deepCopy();
            container.put("name", c);
            container.put("image", "example/" + c + ":1");
            list.add(container);
        }
        if (extraSpec != null) {
            extraSpec.fields().forEachRemaining(e -> spec.set(e.getKey(), e.getValue()));
        }
        JsonNode created = cluster.call("POST", "/api/v1/namespaces/" + namespace + "/pods", JSON.writeValueAsString(pod));
        return created.path("metadata").path("uid").asText();
    }

    /**
     * Reports the pod running: its IP, Ready, each container's runtime ID ("containerd://...") and
     * the resources it runs with, as a kubelet with in-place resize does (the API server allows a
     * resize only when a running container reports them).
     */
    public void reportRunning(String namespace, String name, String podIp, Map<String, String> containerIds) throws Exception {
        JsonNode spec = cluster.call("GET", "/api/v1/namespaces/" + namespace + "/pods/" + name, null).path("spec");
        String now = Instant.now().toString().replaceAll("\\.\\d+Z$", "Z");
        ObjectNode status = JSON.createObjectNode();
        ObjectNode s = status.putObject("status");
        s.put("phase", "Running");
        s.put("podIP", podIp);
        s.putArray("podIPs").addObject().put("ip", podIp);
        s.put("startTime", now);
        ArrayNode conditions = s.putArray("conditions");
        conditions.addObject().put("type", "Ready").put("status", "True").put("lastTransitionTime", now);
        conditions.addObject().put("type", "ContainersReady").put("status", "True").put("lastTransitionTime", now);
        ArrayNode statuses = s.putArray("containerStatuses");
        containerIds.forEach((container, id) -> {
            ObjectNode c = statuses.addObject();
            c.put("name", container);
            c.put("image", "example/" + container + ":1");
            c.put("imageID", "example/" + container + "@sha256:" + "0".repeat(64));
            c.put("ready", true);
            c.put("started", true);
            c.put("restartCount", 0);
            c.putObject("state").putObject("running").put("startedAt", now);
            c.put("containerID", id);
            for (JsonNode sc : spec.path("containers")) {
                if (sc.path("name").asText().equals(container) && sc.has("resources")) {
                    c.set("resources", sc.get("resources"));
                }
            }
        });
        cluster.call("PATCH", "/api/v1/namespaces/" + namespace + "/pods/" + name + "/status", JSON.writeValueAsString(status),
                "application/strategic-merge-patch+json");
    }
}
