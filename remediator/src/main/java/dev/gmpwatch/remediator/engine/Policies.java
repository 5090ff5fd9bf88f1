package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Matches alerts to policies and has each policy's action render its target. */
public final class Policies {
    /** An alert matched to a policy, with its rendered target. */
    public record Match(PolicyConfig policy, Target target) {
    }

    private final List<PolicyConfig> policies;

    public Policies(List<PolicyConfig> policies) {
        this.policies = List.copyOf(policies);
    }

    public List<PolicyConfig> all() {
        return policies;
    }

    public Optional<PolicyConfig> named(String name) {
        return policies.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Every policy the labels match, with the target rendered (validated) from the labels. */
    public List<Match> match(Map<String, String> labels) throws UnsafeLabelException {
        List<Match> out = new ArrayList<>();
        for (PolicyConfig p : policies) {
            if (matches(p, labels)) {
                out.add(new Match(p, p.action().target(labels)));
            }
        }
        return out;
    }

    private static boolean matches(PolicyConfig p, Map<String, String> labels) {
        for (Map.Entry<String, String> e : p.matchEquals().entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<String, Pattern> e : p.matchRegex().entrySet()) {
            String v = labels.get(e.getKey());
            if (v == null || !e.getValue().matcher(v).matches()) {
                return false;
            }
        }
        return true;
    }
}
