package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code actuator: cgroup}: a process's GOMAXPROCS as its cgroup's CPU quota in whole CPUs, which a
 * Go 1.25+ runtime follows by itself.
 */
final class CgroupQuotaLever implements StepLever {
    /** The adminUrl of every cgroup target, as earlier versions stored it. */
    private static final String CGROUP = "cgroup";

    private final Path proc;
    private final CgroupCpuQuota cgroups;

    CgroupQuotaLever(Path proc, Path cgroupRoot) {
        this.proc = proc;
        this.cgroups = new CgroupCpuQuota(proc, cgroupRoot);
    }

    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        if (!LocalProcess.PID.matcher(labels.getOrDefault("pid", "")).matches()) {
            throw new UnsafeLabelException("label pid is required for the cgroup actuator and must be a process id");
        }
        return LocalProcess.of(CGROUP, labels).target();
    }

    @Override
    public Optional<String> identityRefusal(Target target) {
        return LocalProcess.of(target).identityRefusal(proc);
    }

    @Override
    public GomaxprocsClient.Reading read(Target target) throws IOException {
        return read(cgroups.cgroupOf(pid(target)));
    }

    @Override
    public GomaxprocsClient.Reading set(Target target, int value) throws IOException {
        Path cg = cgroups.cgroupOf(pid(target));
        cgroups.setQuotaCpus(cg, value);
        return read(cg);
    }

    @Override
    public String what() {
        return "CPU quota ";
    }

    /** The quota in whole CPUs, rounded up, and at most the host's CPUs (also the bound). */
    private GomaxprocsClient.Reading read(Path cg) throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        int quota = cgroups.quotaCpus(cg).map(q -> (int) Math.ceil(q)).orElse(cpus);
        return new GomaxprocsClient.Reading(Math.min(quota, cpus), cpus, false);
    }

    private static long pid(Target target) {
        return Long.parseLong(LocalProcess.of(target).pid());
    }
}
