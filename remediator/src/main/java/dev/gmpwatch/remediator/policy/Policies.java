package dev.gmpwatch.remediator.policy;

import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Matches alerts to policies and renders their targets. */
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

    /** Every policy the labels match, with the target rendered (validated) from the labels. */
    public List<Match> match(Map<String, String> labels) throws UnsafeLabelException {
        List<Match> out = new ArrayList<>();
        for (PolicyConfig p : policies) {
            if (!matches(p, labels)) {
                continue;
            }
            if (p.action().type().equals("gomaxprocs")) {
                out.add(new Match(p, gomaxprocsTarget(p.action().gomaxprocs(), labels)));
                continue;
            }
            if (p.action().type().equals("http")) {
                out.add(new Match(p, Target.http(p.action().method(), UrlTemplate.parse(p.action().openUrlTemplate()).render(labels),
                        UrlTemplate.parse(p.action().closeUrlTemplate()).render(labels))));
                continue;
            }
            String backend = Template.parse(p.action().backendTemplate()).render(labels);
            String server = Template.parse(p.action().serverTemplate()).render(labels);
            out.add(new Match(p, Target.haproxy(p.action().haproxy(), backend, server)));
        }
        return out;
    }

    private static final Pattern PID = Pattern.compile("[1-9][0-9]{0,9}");

    /** The admin address must be a plain name that fully matches the allowed pattern. */
    private static Target gomaxprocsTarget(dev.gmpwatch.remediator.config.RemediatorConfig.Gomaxprocs g, Map<String, String> labels)
            throws UnsafeLabelException {
        String pid = labels.getOrDefault("pid", "");
        String address = labels.get(g.addressLabel());
        if (g.actuator().equals("cgroup")) {
            if (!PID.matcher(pid).matches()) {
                throw new UnsafeLabelException("label pid is required for the cgroup actuator and must be a process id");
            }
            address = "cgroup";
        } else if (address == null && PID.matcher(pid).matches()) {
            address = "pid-" + pid; // found from the PID's own listening sockets at execution time
        } else if (address == null || !Template.SAFE_NAME.matcher(address).matches() || !g.allowedAddresses().matcher(address).matches()) {
            throw new UnsafeLabelException("label " + g.addressLabel() + " is missing or not an allowed address");
        }
        if (!pid.isEmpty() && !PID.matcher(pid).matches()) {
            throw new UnsafeLabelException("label pid must be a process id");
        }
        String exe = labels.getOrDefault("exe", "");
        if (!exe.isEmpty() && !Template.SAFE_NAME.matcher(exe).matches()) {
            throw new UnsafeLabelException("label exe must match " + Template.SAFE_NAME.pattern());
        }
        return Target.gomaxprocs("http://" + address + g.path(), pid, exe);
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
