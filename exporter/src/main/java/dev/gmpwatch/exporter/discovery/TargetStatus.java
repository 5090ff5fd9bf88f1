package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.host.ContainerIdentity;

/**
 * A process the exporter looked at but does not watch, with why. Shown in gmpwatch_target_info
 * with a bounded status label; the full reason goes to the log once.
 */
public record TargetStatus(long pid, String exe, String goVersion, String status, String reason, ContainerIdentity container) {
    public static final String UNSUPPORTED = "unsupported";
    public static final String NOT_GO = "not_go";
}
