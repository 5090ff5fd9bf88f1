package dev.gmpwatch.remediator.action.kubernetes;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.action.gomaxprocs.GomaxprocsAction;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.config.tree.ConfigNode;
import dev.gmpwatch.remediator.policy.Template;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code type: kubernetes}: levers on pods through the Kubernetes API. {@code lever: circuit}
 * takes a leaking pod out of its Service's endpoints (readiness gate or label) and restores it;
 * {@code lever: gomaxprocs} steps a container's CPU limit by in-place resize. The top-level
 * {@code kubernetes:} section says how to reach the API and which namespaces may be touched.
 */
public final class KubernetesActionType implements ActionType {
    private final Map<String, String> env;

    public KubernetesActionType() {
        this(System.getenv());
    }

    KubernetesActionType(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return PodCircuitAction.TYPE;
    }

    @Override
    public Optional<String> section() {
        return Optional.of("kubernetes");
    }

    @Override
    public Factory load(ConfigNode section) throws ConfigException {
        if (section.missing()) {
            return (action, caps) -> {
                throw action.error("type", "kubernetes needs the top-level kubernetes: section (namespaces, and kubeconfig"
                        + " outside a pod)");
            };
        }
        section.onlyKeys(Set.of("kubeconfig", "namespaces", "timeout"));
        Set<String> namespaces = Set.copyOf(section.textList("namespaces", PodNames.LABEL, "is not a namespace name"));
        if (namespaces.isEmpty()) {
            throw section.error("namespaces", "list the namespaces whose pods the remediator may act on");
        }
        KubeConnection connection;
        if (section.has("kubeconfig")) {
            if (!Files.isRegularFile(section.path("kubeconfig"))) {
                throw section.error("kubeconfig", "no such file " + section.path("kubeconfig"));
            }
            connection = KubeConnection.fromKubeconfig(section.path("kubeconfig"), section.key() + ".kubeconfig");
        } else {
            connection = KubeConnection.inCluster(env, KubeConnection.SERVICE_ACCOUNT, section.key());
        }
        KubeApi api = new KubeApi(connection, section.duration("timeout", "5s"));
        Set<String> gates = new java.util.HashSet<>();
        return (action, caps) -> {
            Action a = create(action, caps, namespaces, api);
            // One initializer per gate condition the configuration uses, started with its first policy.
            if (a instanceof PodCircuitAction c && c.usesGate() && gates.add(c.conditionType())) {
                new GateInitializer(api, namespaces, c.conditionType()).start();
            }
            return a;
        };
    }

    private static Action create(ConfigNode a, ConfigNode caps, Set<String> namespaces, KubeApi api) throws ConfigException {
        String lever = a.oneOf("lever", "circuit", Set.of("circuit", "gomaxprocs"), "must be circuit or gomaxprocs");
        if (lever.equals("gomaxprocs")) {
            a.onlyKeys(Set.of("type", "lever", "direction", "min", "max", "minInterval", "flipGuard"));
            caps.onlyKeys(Set.of());
            String direction = a.oneOf("direction", "", Set.of("down", "up"), "must be down or up");
            if (!a.has("max")) {
                throw a.error("max", "required for lever gomaxprocs: the largest CPU limit (whole CPUs) it may set");
            }
            int max = a.positiveInt("max", 1);
            int min = a.positiveInt("min", Math.min(2, max)); // the runtime never goes below 2 from a quota
            if (min > max) {
                throw a.error("min", "is above max");
            }
            ConfigNode flip = a.child("flipGuard").onlyKeys(Set.of("maxFlips", "within"));
            GomaxprocsAction.Settings guards = new GomaxprocsAction.Settings(direction, min, max, a.duration("minInterval", "30s"),
                    flip.positiveInt("maxFlips", 3), flip.duration("within", "10m"));
            return new GomaxprocsAction(PodCircuitAction.TYPE, guards, new PodCpuLimitLever(namespaces, max, api));
        }
        a.onlyKeys(Set.of("type", "lever", "mode", "service", "conditionType", "label"));
        caps.onlyKeys(Set.of("maxOpenPerService", "maxOpenFraction"));
        String mode = a.oneOf("mode", "auto", Set.of("auto", "readinessGate", "label"), "must be auto, readinessGate or label");
        String condition = a.text("conditionType", "gmpwatch.dev/healthy");
        String label = a.text("label", "gmpwatch.dev/circuit");
        for (String[] kv : new String[][] {{"conditionType", condition}, {"label", label}}) {
            if (!kv[1].matches("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")) {
                throw a.error(kv[0], "'" + kv[1] + "' is not a qualified name (prefix/name)");
            }
        }
        Template service;
        try {
            service = Template.parse(a.required("service"));
        } catch (IllegalArgumentException e) {
            throw a.error("service", e.getMessage());
        }
        PodCircuitAction.Mode m = switch (mode) {
            case "readinessGate" -> PodCircuitAction.Mode.READINESS_GATE;
            case "label" -> PodCircuitAction.Mode.LABEL;
            default -> PodCircuitAction.Mode.AUTO;
        };
        return new PodCircuitAction(new PodCircuitAction.Settings(namespaces, service, m, condition, label,
                caps.positiveInt("maxOpenPerService", 1), caps.fraction("maxOpenFraction", 0.5)), api, Clock.systemUTC());
    }
}
