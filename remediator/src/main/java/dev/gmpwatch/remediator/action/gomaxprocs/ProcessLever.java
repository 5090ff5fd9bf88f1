package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.action.TargetData;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.policy.Template;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A process on this host, named by the exporter's pid and exe labels: stepped through its admin
 * endpoint (deploy/gomaxprocs) or its cgroup's CPU quota.
 */
final class ProcessLever implements StepLever {
    private static final Pattern PID = Pattern.compile("[1-9][0-9]{0,9}");

    /** Where and how to reach the process. */
    record Settings(String actuator, String addressLabel, Pattern allowedAddresses, String path, Optional<String> token) {
    }

    /** What the target data holds: where to reach the process, and who it must still be. */
    record Process(String adminUrl, String pid, String exe) {
    }

    private final Settings settings;
    private final GomaxprocsActuator actuator;

    ProcessLever(Settings settings, GomaxprocsActuator actuator) {
        this.settings = settings;
        this.actuator = actuator;
    }

    /** The admin address must be a plain name that fully matches the allowed pattern. */
    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        String pid = labels.getOrDefault("pid", "");
        String address = labels.get(settings.addressLabel());
        if (settings.actuator().equals("cgroup")) {
            if (!PID.matcher(pid).matches()) {
                throw new UnsafeLabelException("label pid is required for the cgroup actuator and must be a process id");
            }
            address = "cgroup";
        } else if (address == null && PID.matcher(pid).matches()) {
            address = "pid-" + pid; // found from the PID's own listening sockets when the step runs
        } else if (address == null || !Template.SAFE_NAME.matcher(address).matches()
                || !settings.allowedAddresses().matcher(address).matches()) {
            throw new UnsafeLabelException("label " + settings.addressLabel() + " is missing or not an allowed address");
        }
        if (!pid.isEmpty() && !PID.matcher(pid).matches()) {
            throw new UnsafeLabelException("label pid must be a process id");
        }
        String exe = labels.getOrDefault("exe", "");
        if (!exe.isEmpty() && !Template.SAFE_NAME.matcher(exe).matches()) {
            throw new UnsafeLabelException("label exe must match " + Template.SAFE_NAME.pattern());
        }
        Process p = new Process(address.equals("cgroup") ? "cgroup" : "http://" + address + settings.path(), pid, exe);
        return new Target("gomaxprocs:" + p.adminUrl() + (pid.isEmpty() ? "" : "#pid=" + pid), null, TargetData.write(p));
    }

    @Override
    public Optional<String> identityRefusal(Target target) {
        return actuator.identityRefusal(process(target));
    }

    @Override
    public GomaxprocsClient.Reading read(Target target) throws IOException {
        Process p = process(target);
        return actuator.read(actuator.resolve(p, settings), p, settings.token());
    }

    @Override
    public GomaxprocsClient.Reading set(Target target, int value) throws IOException {
        Process p = process(target);
        return actuator.set(actuator.resolve(p, settings), p, settings.token(), value);
    }

    @Override
    public String what() {
        return settings.actuator().equals("cgroup") ? "CPU quota " : "GOMAXPROCS ";
    }

    private static Process process(Target target) {
        return TargetData.read(target, Process.class);
    }
}
