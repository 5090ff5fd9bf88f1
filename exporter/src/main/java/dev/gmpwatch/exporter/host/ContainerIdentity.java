package dev.gmpwatch.exporter.host;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which container and pod a process runs in, from its cgroup path alone (no API access): the
 * container ID is the 64-hex name of the container's cgroup, the pod UID is in the pod's cgroup.
 * Both are empty on a bare host, so label sets stay the same everywhere.
 *
 * <p>Layouts understood, cgroup v1 or v2, wherever they sit (a cgroup namespace shows them
 * relative to its root, with {@code /..} in front):
 * <ul>
 *   <li>kubelet's cgroupfs driver: {@code /kubepods/burstable/pod<uid>/<id>}, {@code /kubepods/pod<uid>/<id>};</li>
 *   <li>kubelet's systemd driver: {@code /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_with_underscores>.slice/<runtime>-<id>.scope};</li>
 *   <li>runtimes' scopes: {@code cri-containerd-<id>.scope}, {@code crio-<id>.scope}, {@code docker-<id>.scope},
 *       {@code libpod-<id>.scope}, and plain Docker or containerd: {@code /docker/<id>}, {@code /system.slice/docker-<id>.scope}.</li>
 * </ul>
 * CRI-O's monitor ({@code crio-conmon-<id>.scope}) is not the container.
 */
public record ContainerIdentity(String containerId, String podUid) {
    public static final ContainerIdentity NONE = new ContainerIdentity("", "");

    private static final Pattern POD = Pattern.compile(
            "pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\\.slice)?");
    private static final Pattern CONTAINER = Pattern.compile(
            "(?:(?:cri-containerd|crio|docker|libpod|containerd)-)?([0-9a-f]{64})(?:\\.scope)?");

    /** Reads {@code /proc/PID/cgroup}; a process that is gone or unreadable has no identity. */
    public static ContainerIdentity of(Procfs proc, long pid) {
        try {
            return parse(proc.cgroups(pid));
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    /**
     * The identity in the lines of a {@code /proc/PID/cgroup} file: the unified (v2) line when it
     * names a container, else the first v1 hierarchy that does.
     */
    public static ContainerIdentity parse(List<String> lines) {
        ContainerIdentity v1 = NONE;
        for (String line : lines) {
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                continue;
            }
            ContainerIdentity id = fromPath(f[2]);
            if (id.equals(NONE)) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                return id;
            }
            if (v1.equals(NONE)) {
                v1 = id;
            }
        }
        return v1;
    }

    /** The identity in one cgroup path: the container from its last segment, the pod from the one above. */
    static ContainerIdentity fromPath(String path) {
        String[] segments = path.strip().split("/");
        if (segments.length == 0) {
            return NONE;
        }
        Matcher c = CONTAINER.matcher(segments[segments.length - 1]);
        String container = c.matches() ? c.group(1) : "";
        // The pod is the container's parent; a process in the pod's own cgroup has a pod and no container.
        Matcher p = POD.matcher(lastPart(segments[Math.max(0, segments.length - (container.isEmpty() ? 1 : 2))]));
        String pod = p.matches() ? p.group(1).replace('_', '-').toLowerCase(Locale.ROOT) : "";
        return container.isEmpty() && pod.isEmpty() ? NONE : new ContainerIdentity(container, pod);
    }

    /** A systemd slice name repeats its parents: "kubepods-burstable-pod<uid>.slice" ends in "pod<uid>.slice". */
    private static String lastPart(String segment) {
        int dash = segment.lastIndexOf("-pod");
        return dash >= 0 ? segment.substring(dash + 1) : segment;
    }
}
