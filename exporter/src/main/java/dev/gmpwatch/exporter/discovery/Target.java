package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.gobinary.GoBinary;

/**
 * A Go process the exporter serves.
 *
 * @param exe       base name of the executable, for the exe label
 * @param loadBias  add to a link-time address to get the run-time one (non-zero for PIE)
 * @param probeMode "off" unless the per-event mode attached probes: then "emulated" or "singlestep",
 *                  "failed" when they could not be attached, "over_budget" once they were detached
 */
public record Target(long pid, String exe, GoBinary binary, long loadBias, String probeMode) {
    public static final String PROBES_OFF = "off";
    public static final String PROBES_FAILED = "failed";
    public static final String PROBES_OVER_BUDGET = "over_budget";

    public Target withProbeMode(String mode) {
        return new Target(pid, exe, binary, loadBias, mode);
    }
}
