package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.host.ContainerIdentity;

/** Names a process for its series: pid, exe and container identity in, the labels out. */
@FunctionalInterface
public interface ProcessLabeler {
    /** The labels of a bare host or a node without --kubernetes: pid, exe, container_id, pod_uid. */
    ProcessLabeler CGROUP_ONLY = ProcessLabels::of;

    ProcessLabels labels(long pid, String exe, ContainerIdentity container);
}
