package dev.gmpwatch.remediator.action.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Set;

/**
 * A pod that declares the readiness gate is not Ready until its condition exists, so the
 * remediator sets it True on every new pod of its namespaces that has none yet. It never flips a
 * condition that exists (opening and restoring are the circuit's), and each patch carries the
 * pod's resourceVersion, so a circuit opened meanwhile is never overwritten (409, skipped).
 */
final class GateInitializer {
    private static final System.Logger LOG = System.getLogger("gmpwatch.kubernetes");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration EVERY = Duration.ofSeconds(5);

    private final KubeApi api;
    private final Set<String> namespaces;
    private final String conditionType;
    private final Set<String> logged = new HashSet<>();

    GateInitializer(KubeApi api, Set<String> namespaces, String conditionType) {
        this.api = api;
        this.namespaces = namespaces;
        this.conditionType = conditionType;
    }

    /** Runs every {@link #EVERY} on a daemon thread, for the life of the process. */
    void start() {
        Thread t = new Thread(() -> {
            while (true) {
                for (String ns : namespaces) {
                    initialize(ns);
                }
                try {
                    Thread.sleep(EVERY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gmpwatch-readiness-gates");
        t.setDaemon(true);
        t.start();
    }

    /** One pass over a namespace; returns how many pods it set. */
    int initialize(String namespace) {
        int set = 0;
        try {
            for (JsonNode pod : api.pods(namespace).path("items")) {
                if (declaresGate(pod) && !hasCondition(pod) && pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
                    try {
                        api.patchPod(namespace, pod.path("metadata").path("name").asText(), "status", KubeApi.STRATEGIC, patch(pod));
                        set++;
                    } catch (KubeApi.ApiRefusal e) {
                        if (e.status != 409 && e.status != 404) {
                            logOnce(e.getMessage());
                        }
                    }
                }
            }
        } catch (IOException | KubeApi.ApiRefusal e) {
            logOnce(e.getMessage());
        }
        return set;
    }

    private boolean declaresGate(JsonNode pod) {
        for (JsonNode g : pod.path("spec").path("readinessGates")) {
            if (g.path("conditionType").asText().equals(conditionType)) {
                return true;
            }
        }
        return false;
    }

    private boolean hasCondition(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals(conditionType)) {
                return true;
            }
        }
        return false;
    }

    private String patch(JsonNode pod) throws IOException {
        ObjectNode p = JSON.createObjectNode();
        p.putObject("metadata").put("resourceVersion", pod.path("metadata").path("resourceVersion").asText());
        ObjectNode c = p.putObject("status").putArray("conditions").addObject();
        c.put("type", conditionType);
        c.put("status", "True");
        c.put("reason", "GmpwatchInitialized");
        c.put("message", "gmpwatch: no circuit open");
        c.put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return JSON.writeValueAsString(p);
    }

    private synchronized void logOnce(String message) {
        String kind = message == null ? "" : message.replaceAll("[0-9]+", "N");
        if (logged.size() < 16 && logged.add(kind)) {
            LOG.log(System.Logger.Level.WARNING, "readiness gates: " + message + " (logged once)");
        }
    }
}
