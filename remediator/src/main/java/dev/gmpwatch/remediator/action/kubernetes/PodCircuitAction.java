package dev.gmpwatch.remediator.action.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.RunContext;
import dev.gmpwatch.remediator.action.TargetData;
import dev.gmpwatch.remediator.action.TargetState;
import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.policy.Template;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A circuit break that takes a pod out of its Service's endpoints and puts it back: through a
 * readiness gate condition the action sets False (the kubelet then turns the pod not Ready), or,
 * for workloads that declare no gate, a label the Service's selector requires. Caps: circuits
 * open per Service (decided in the store), and the share of the Service's endpoints out, counted
 * from its EndpointSlices plus the pods other replicas are taking out; never its last ready one.
 */
final class PodCircuitAction implements Action {
    static final String TYPE = "kubernetes";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the pod is taken out. */
    enum Mode { AUTO, READINESS_GATE, LABEL }

    /**
     * @param labelKey the label the Service's selector requires as {@code closed}; {@code open} takes the pod out
     */
    record Settings(Set<String> namespaces, Template service, Mode mode, String conditionType, String labelKey,
                    int maxOpen, double maxOpenFraction) {
    }

    /** What the target data holds. */
    record PodRef(String namespace, String pod, String service) {
    }

    private final Settings settings;
    private final KubeApi api;
    private final Clock clock;

    PodCircuitAction(Settings settings, KubeApi api, Clock clock) {
        this.settings = settings;
        this.api = api;
        this.clock = clock;
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Whether it may act through the readiness gate (mode auto or readinessGate). */
    boolean usesGate() {
        return settings.mode() != Mode.LABEL;
    }

    String conditionType() {
        return settings.conditionType();
    }

    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        String ns = PodNames.namespace(labels, settings.namespaces());
        String pod = PodNames.pod(labels);
        String service = settings.service().render(labels);
        if (!PodNames.LABEL.matcher(service).matches()) {
            throw new UnsafeLabelException("service '" + service + "' must be a DNS-1123 label");
        }
        PodRef ref = new PodRef(ns, pod, service);
        return new Target("kubernetes:" + ns + "/" + pod, "kubernetes:" + ns + "/" + service, TargetData.write(ref));
    }

    @Override
    public boolean restores() {
        return true;
    }

    @Override
    public Optional<Refusal> admit(TargetState state, Target target, Alert alert) throws SQLException {
        if (state.openInGroup() >= settings.maxOpen()) {
            PodRef p = read(target);
            return Optional.of(Refusal.limit("cap: " + settings.maxOpen() + " pod(s) of Service " + p.namespace() + "/"
                    + p.service() + " already out"));
        }
        return Optional.empty();
    }

    @Override
    public Outcome run(RunContext context, Target target, Operation operation) throws IOException {
        PodRef p = read(target);
        boolean open = operation == Operation.APPLY;
        try {
            JsonNode pod = api.getPod(p.namespace(), p.pod());
            Mode mode = mode(pod);
            if (mode == null) {
                return Outcome.failed("pod " + p.namespace() + "/" + p.pod() + " declares neither the readiness gate "
                        + settings.conditionType() + " nor the label " + settings.labelKey() + ": nothing would take it out");
            }
            if (isOut(pod, mode) == open) {
                return Outcome.done(describe(mode, open) + " already set (reconciled)");
            }
            if (open) {
                Optional<Refusal> cap = fractionCap(p, context.appliedInGroup());
                if (cap.isPresent()) {
                    return Outcome.refused(cap.get());
                }
            }
            JsonNode after = mode == Mode.READINESS_GATE
                    ? api.patchPod(p.namespace(), p.pod(), "status", KubeApi.STRATEGIC, conditionPatch(open))
                    : api.patchPod(p.namespace(), p.pod(), "", KubeApi.MERGE, labelPatch(open));
            if (isOut(after, mode) != open) {
                return Outcome.failed("the API server accepted the patch but the pod does not show " + describe(mode, open));
            }
            return Outcome.done(describe(mode, open) + " verified");
        } catch (KubeApi.ApiRefusal e) {
            if (e.forbidden()) {
                return Outcome.refused(Refusal.forbidden("forbidden: " + e.getMessage()));
            }
            if (e.notFound() && !open) {
                return Outcome.done("pod " + p.namespace() + "/" + p.pod() + " is gone: nothing to restore");
            }
            return Outcome.failed(e.getMessage());
        }
    }

    /** AUTO takes the gate when the pod declares it, else the label when the pod carries it. */
    private Mode mode(JsonNode pod) {
        boolean gate = false;
        for (JsonNode g : pod.path("spec").path("readinessGates")) {
            gate |= g.path("conditionType").asText().equals(settings.conditionType());
        }
        boolean label = pod.path("metadata").path("labels").has(settings.labelKey());
        return switch (settings.mode()) {
            case READINESS_GATE -> gate ? Mode.READINESS_GATE : null;
            case LABEL -> label ? Mode.LABEL : null;
            case AUTO -> gate ? Mode.READINESS_GATE : label ? Mode.LABEL : null;
        };
    }

    private boolean isOut(JsonNode pod, Mode mode) {
        if (mode == Mode.LABEL) {
            return pod.path("metadata").path("labels").path(settings.labelKey()).asText().equals("open");
        }
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals(settings.conditionType())) {
                return c.path("status").asText().equals("False");
            }
        }
        return false; // no condition yet: the gate was never opened
    }

    private String describe(Mode mode, boolean open) {
        return mode == Mode.LABEL ? "label " + settings.labelKey() + "=" + (open ? "open" : "closed")
                : "readiness gate " + settings.conditionType() + "=" + (open ? "False" : "True");
    }

    private String conditionPatch(boolean open) throws IOException {
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode c = patch.putObject("status").putArray("conditions").addObject();
        c.put("type", settings.conditionType());
        c.put("status", open ? "False" : "True");
        c.put("reason", open ? "GmpwatchCircuitOpen" : "GmpwatchCircuitClosed");
        c.put("message", open ? "gmpwatch took the pod out of its Service's endpoints (goroutine leak)" : "gmpwatch restored the pod");
        c.put("lastTransitionTime", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        return JSON.writeValueAsString(patch);
    }

    private String labelPatch(boolean open) throws IOException {
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("metadata").putObject("labels").put(settings.labelKey(), open ? "open" : "closed");
        return JSON.writeValueAsString(patch);
    }

    /**
     * The Service's endpoints, from its EndpointSlices: taking this pod out must leave at most
     * maxOpenFraction out (not ready now, or being taken out by any replica) and one other ready.
     */
    private Optional<Refusal> fractionCap(PodRef p, List<Target> applied) throws IOException, KubeApi.ApiRefusal {
        Set<String> all = new HashSet<>();
        Set<String> ready = new HashSet<>();
        for (JsonNode slice : api.endpointSlices(p.namespace(), p.service()).path("items")) {
            for (JsonNode e : slice.path("endpoints")) {
                String pod = e.path("targetRef").path("name").asText("");
                if (!pod.isEmpty()) {
                    all.add(pod);
                    if (e.path("conditions").path("ready").asBoolean(true)) {
                        ready.add(pod);
                    }
                }
            }
        }
        Set<String> out = new HashSet<>(all);
        out.removeAll(ready);
        for (Target t : applied) {
            String other = read(t).pod();
            out.add(other);
            all.add(other); // in label mode it has left the slices already
        }
        out.remove(p.pod());
        all.add(p.pod());
        String service = p.namespace() + "/" + p.service();
        if ((double) (out.size() + 1) / all.size() > settings.maxOpenFraction()) {
            return Optional.of(Refusal.limit(String.format("cap: %d of %d endpoints of Service %s would be out, over %.0f%%",
                    out.size() + 1, all.size(), service, settings.maxOpenFraction() * 100)));
        }
        boolean otherReady = ready.stream().anyMatch(x -> !x.equals(p.pod()) && !out.contains(x));
        return otherReady ? Optional.empty() : Optional.of(Refusal.limit("cap: it is the last ready endpoint of Service " + service));
    }

    private static PodRef read(Target t) {
        return TargetData.read(t, PodRef.class);
    }
}
