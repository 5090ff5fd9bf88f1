package dev.gmpwatch.exporter.kubernetes;

import dev.gmpwatch.exporter.host.ContainerIdentity;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The pods of this node as the API last described them, by pod UID and by container ID: what
 * gives a process's series its namespace, pod and container. Readers (scrapes) never block: each
 * change publishes new immutable maps.
 */
public final class PodIndex {
    /** The names a process gets; container is empty when only its pod is known. */
    public record PodNames(String namespace, String pod, String container) {
    }

    /** One pod: its names and its containers' IDs (no runtime prefix) mapped to their names. */
    record Pod(String uid, String namespace, String name, Map<String, String> containers) {
    }

    private volatile Map<String, Pod> byUid = Map.of();
    private volatile Map<String, PodNames> byContainer = Map.of();

    /** The names of a process in this container or pod, if the API knows it. */
    public Optional<PodNames> names(ContainerIdentity id) {
        if (!id.containerId().isEmpty()) {
            PodNames n = byContainer.get(id.containerId());
            if (n != null) {
                return Optional.of(n);
            }
        }
        Pod p = id.podUid().isEmpty() ? null : byUid.get(id.podUid());
        return p == null ? Optional.empty() : Optional.of(new PodNames(p.namespace(), p.name(), ""));
    }

    public int size() {
        return byUid.size();
    }

    synchronized void put(Pod pod) {
        Map<String, Pod> next = new HashMap<>(byUid);
        next.put(pod.uid(), pod);
        publish(next);
    }

    synchronized void remove(String uid) {
        if (byUid.containsKey(uid)) {
            Map<String, Pod> next = new HashMap<>(byUid);
            next.remove(uid);
            publish(next);
        }
    }

    /** After a full list: exactly these pods. */
    synchronized void replaceAll(Collection<Pod> pods) {
        Map<String, Pod> next = new HashMap<>();
        pods.forEach(p -> next.put(p.uid(), p));
        publish(next);
    }

    private void publish(Map<String, Pod> pods) {
        Map<String, PodNames> containers = new HashMap<>();
        for (Pod p : pods.values()) {
            p.containers().forEach((id, name) -> containers.put(id, new PodNames(p.namespace(), p.name(), name)));
        }
        byContainer = Map.copyOf(containers);
        byUid = Map.copyOf(pods);
    }

    /** "containerd://3f1c..." (or cri-o://, docker://) to the ID a cgroup names: "3f1c...". */
    static String bareId(String containerId) {
        int scheme = containerId.indexOf("://");
        return scheme < 0 ? containerId : containerId.substring(scheme + 3);
    }
}
