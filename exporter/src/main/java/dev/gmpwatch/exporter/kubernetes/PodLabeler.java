package dev.gmpwatch.exporter.kubernetes;

import dev.gmpwatch.exporter.discovery.ProcessLabeler;
import dev.gmpwatch.exporter.discovery.ProcessLabels;
import dev.gmpwatch.exporter.host.ContainerIdentity;
import java.util.List;

/**
 * With --kubernetes: every process also gets namespace, pod and container, from the pod that its
 * cgroup's container ID (or pod UID) belongs to; empty for a process outside any known pod.
 */
public final class PodLabeler implements ProcessLabeler {
    private static final List<String> NAMES = List.of("namespace", "pod", "container");
    private static final List<String> NONE = List.of("", "", "");

    private final PodIndex index;

    public PodLabeler(PodIndex index) {
        this.index = index;
    }

    @Override
    public ProcessLabels labels(long pid, String exe, ContainerIdentity container) {
        ProcessLabels base = ProcessLabels.of(pid, exe, container);
        return base.plus(NAMES, index.names(container).map(n -> List.of(n.namespace(), n.pod(), n.container())).orElse(NONE));
    }
}
