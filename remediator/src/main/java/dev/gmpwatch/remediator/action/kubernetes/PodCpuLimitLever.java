package dev.gmpwatch.remediator.action.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmpwatch.remediator.action.TargetData;
import dev.gmpwatch.remediator.action.gomaxprocs.GomaxprocsClient;
import dev.gmpwatch.remediator.action.gomaxprocs.LeverException;
import dev.gmpwatch.remediator.action.gomaxprocs.StepLever;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GOMAXPROCS through a container's CPU limit, changed in place with the pod's {@code resize}
 * subresource: the kubelet turns the limit into the cgroup quota, which a Go 1.25+ runtime
 * follows. Steps are whole CPUs; a container without a limit counts as at {@code max}. Refused
 * where the runtime would not follow: Go before 1.25 (when the alert says), a GOMAXPROCS variable
 * in the container's env, or a resize policy that restarts the container.
 */
final class PodCpuLimitLever implements StepLever {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GO_VERSION = Pattern.compile("go1\\.(\\d+)(?:\\.\\d+)?.*");
    private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(m?)");

    /** What the target data holds. */
    record ContainerRef(String namespace, String pod, String container, String goVersion) {
    }

    private final Set<String> namespaces;
    private final int max;
    private final KubeApi api;

    PodCpuLimitLever(Set<String> namespaces, int max, KubeApi api) {
        this.namespaces = namespaces;
        this.max = max;
        this.api = api;
    }

    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        String ns = PodNames.namespace(labels, namespaces);
        String pod = PodNames.pod(labels);
        String container = PodNames.container(labels);
        String go = labels.getOrDefault("go_version", "");
        if (!go.isEmpty() && !GO_VERSION.matcher(go).matches()) {
            throw new UnsafeLabelException("label go_version must look like go1.N");
        }
        ContainerRef ref = new ContainerRef(ns, pod, container, go);
        return new Target("kubernetes:" + ns + "/" + pod + "/" + container + "#cpu", null, TargetData.write(ref));
    }

    @Override
    public Optional<String> identityRefusal(Target target) throws IOException {
        ContainerRef c = ref(target);
        Matcher go = GO_VERSION.matcher(c.goVersion());
        if (go.matches() && Integer.parseInt(go.group(1)) < 25) {
            return Optional.of(c.goVersion() + " ignores the CPU limit (Go 1.25+ follows it): refused");
        }
        JsonNode spec;
        try {
            spec = container(api.getPod(c.namespace(), c.pod()), c);
        } catch (KubeApi.ApiRefusal e) {
            if (e.forbidden()) {
                return Optional.empty(); // read() reports it as refused, with the verb and resource
            }
            return Optional.of(e.getMessage() + ": refused");
        }
        if (spec == null) {
            return Optional.of("pod " + c.namespace() + "/" + c.pod() + " has no container " + c.container() + ": refused");
        }
        for (JsonNode env : spec.path("env")) {
            if (env.path("name").asText().equals("GOMAXPROCS")) {
                return Optional.of("the container sets GOMAXPROCS in its env, which pins it: refused");
            }
        }
        for (JsonNode policy : spec.path("resizePolicy")) {
            if (policy.path("resourceName").asText().equals("cpu") && policy.path("restartPolicy").asText().equals("RestartContainer")) {
                return Optional.of("its resizePolicy restarts the container on a CPU change: refused");
            }
        }
        return Optional.empty();
    }

    @Override
    public GomaxprocsClient.Reading read(Target target) throws IOException, LeverException {
        ContainerRef c = ref(target);
        try {
            return reading(api.getPod(c.namespace(), c.pod()), c);
        } catch (KubeApi.ApiRefusal e) {
            throw refusal(e);
        }
    }

    @Override
    public GomaxprocsClient.Reading set(Target target, int value) throws IOException, LeverException {
        ContainerRef c = ref(target);
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode container = patch.putObject("spec").putArray("containers").addObject();
        container.put("name", c.container());
        container.putObject("resources").putObject("limits").put("cpu", Integer.toString(value));
        try {
            return reading(api.patchPod(c.namespace(), c.pod(), "resize", KubeApi.STRATEGIC, JSON.writeValueAsString(patch)), c);
        } catch (KubeApi.ApiRefusal e) {
            throw refusal(e);
        }
    }

    /** Forbidden is refused (RBAC said no, retrying will not help); any other "no" has failed. */
    private static LeverException refusal(KubeApi.ApiRefusal e) {
        return new LeverException(e.forbidden() ? Outcome.refused(Refusal.forbidden("forbidden: " + e.getMessage()))
                : Outcome.failed(e.getMessage()));
    }

    @Override
    public String what() {
        return "CPU limit ";
    }

    /** The limit in whole CPUs (rounded up, as the runtime rounds the quota), or max when there is none. */
    private GomaxprocsClient.Reading reading(JsonNode pod, ContainerRef c) {
        JsonNode spec = container(pod, c);
        if (spec == null) {
            throw new IllegalStateException("pod " + c.namespace() + "/" + c.pod() + " has no container " + c.container());
        }
        String limit = spec.path("resources").path("limits").path("cpu").asText("");
        return new GomaxprocsClient.Reading(limit.isEmpty() ? max : cpus(limit), max, false);
    }

    static int cpus(String quantity) {
        Matcher m = QUANTITY.matcher(quantity);
        if (!m.matches()) {
            throw new IllegalStateException("CPU limit '" + quantity + "' is not a plain quantity");
        }
        BigDecimal v = new BigDecimal(m.group(1));
        if (!m.group(2).isEmpty()) {
            v = v.movePointLeft(3);
        }
        return v.setScale(0, RoundingMode.CEILING).intValueExact();
    }

    private static JsonNode container(JsonNode pod, ContainerRef c) {
        for (JsonNode spec : pod.path("spec").path("containers")) {
            if (spec.path("name").asText().equals(c.container())) {
                return spec;
            }
        }
        return null;
    }

    private static ContainerRef ref(Target target) {
        return TargetData.read(target, ContainerRef.class);
    }
}
