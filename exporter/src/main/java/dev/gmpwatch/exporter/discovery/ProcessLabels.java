package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.host.ContainerIdentity;
import java.util.ArrayList;
import java.util.List;

/**
 * The labels that say which process a series is about, names and values in a fixed order: pid
 * and exe, the container and pod its cgroup names (empty on a bare host), and with
 * {@code --kubernetes} the namespace, pod and container the API gives them. Every per-process
 * series of one exporter has the same names, so label sets stay stable.
 */
public record ProcessLabels(List<String> names, List<String> values) {
    public ProcessLabels {
        if (names.size() != values.size()) {
            throw new IllegalArgumentException("label names " + names + " and values " + values + " differ in length");
        }
        names = List.copyOf(names);
        values = List.copyOf(values);
    }

    /** The labels every exporter gives a process. */
    public static ProcessLabels of(long pid, String exe, ContainerIdentity container) {
        return new ProcessLabels(List.of("pid", "exe", "container_id", "pod_uid"),
                List.of(Long.toString(pid), exe, container.containerId(), container.podUid()));
    }

    /** These labels and one more, for a series that has its own (state, reason, le, ...). */
    public ProcessLabels plus(String name, String value) {
        List<String> n = new ArrayList<>(names);
        List<String> v = new ArrayList<>(values);
        n.add(name);
        v.add(value);
        return new ProcessLabels(n, v);
    }

    /** Several more labels, for metadata such as the Kubernetes names. */
    public ProcessLabels plus(List<String> moreNames, List<String> moreValues) {
        List<String> n = new ArrayList<>(names);
        List<String> v = new ArrayList<>(values);
        n.addAll(moreNames);
        v.addAll(moreValues);
        return new ProcessLabels(n, v);
    }
}
