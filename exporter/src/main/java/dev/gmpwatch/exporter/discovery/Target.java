package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.host.ContainerIdentity;

/**
 * A Go process the exporter serves.
 *
 * @param exe       base name of the executable, for the exe label
 * @param loadBias  add to a link-time address to get the run-time one (non-zero for PIE)
 * @param probeMode "off" unless the per-event mode attached probes: then "emulated" or "singlestep",
 *                  "failed" when they could not be attached, "over_budget" once they were detached,
 *                  "unsupported_arch" for a binary of a machine the probes do not support
 * @param container the container and pod its cgroup names, {@link ContainerIdentity#NONE} on a bare host
 */
public record Target(long pid, String exe, GoBinary binary, long loadBias, String probeMode, ContainerIdentity container) {
    public static final String PROBES_OFF = "off";
    public static final String PROBES_FAILED = "failed";
    public static final String PROBES_OVER_BUDGET = "over_budget";
    /** --probes asked for it, and the binary's machine has no probe support (arm64). */
    public static final String PROBES_UNSUPPORTED = "unsupported_arch";

    public Target withProbeMode(String mode) {
        return new Target(pid, exe, binary, loadBias, mode, container);
    }

    /** The same process, moved to another cgroup. */
    public Target withContainer(ContainerIdentity identity) {
        return new Target(pid, exe, binary, loadBias, probeMode, identity);
    }
}
