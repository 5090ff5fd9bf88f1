package dev.gmpwatch.testkit;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * A container as a kubelet and its runtime leave it on a node, minus the runtime: a cgroup named
 * after a pod UID and a container ID, with real processes moved into it. Made by the test (as
 * root), and removed again on close once its processes are moved back out.
 */
public final class ContainerCgroup implements AutoCloseable {
    /** Where a kubelet puts a container's cgroup. */
    public enum Layout {
        /** The cgroupfs driver on cgroup v1's cpu controller: /kubepods/besteffort/pod<uid>/<id>. */
        CGROUPFS_V1(Path.of("/sys/fs/cgroup/cpu")),
        /** The systemd driver on the unified hierarchy, containerd's scope. */
        SYSTEMD_V2(Path.of("/sys/fs/cgroup/unified"));

        final Path mount;

        Layout(Path mount) {
            this.mount = mount;
        }

        List<String> segments(String podUid, String containerId) {
            return switch (this) {
                case CGROUPFS_V1 -> List.of("kubepods", "besteffort", "pod" + podUid, containerId);
                case SYSTEMD_V2 -> List.of("kubepods.slice", "kubepods-burstable.slice",
                        "kubepods-burstable-pod" + podUid.replace('-', '_') + ".slice", "cri-containerd-" + containerId + ".scope");
            };
        }
    }

    private final Layout layout;
    private final String podUid;
    private final String containerId;
    private final List<Path> created;
    private final List<Long> pids = new ArrayList<>();

    private ContainerCgroup(Layout layout, String podUid, String containerId, List<Path> created) {
        this.layout = layout;
        this.podUid = podUid;
        this.containerId = containerId;
        this.created = created;
    }

    /** A new container of a pod whose UID the API server chose: a fresh random container ID. */
    public static ContainerCgroup create(Layout layout, String podUid) throws IOException {
        byte[] id = new byte[32];
        new SecureRandom().nextBytes(id);
        return create(layout, podUid, HexFormat.of().formatHex(id));
    }

    public static ContainerCgroup create(Layout layout, String podUid, String containerId) throws IOException {
        if (!Files.isDirectory(layout.mount)) {
            throw new AssertionError(layout.mount + " is not mounted: the container tests need cgroup v1's cpu controller"
                    + " at /sys/fs/cgroup/cpu and cgroup2 at /sys/fs/cgroup/unified");
        }
        UUID.fromString(podUid); // a pod UID, or a mistake in the test
        List<Path> created = new ArrayList<>();
        Path dir = layout.mount;
        for (String s : layout.segments(podUid, containerId)) {
            dir = dir.resolve(s);
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
                created.add(dir);
            }
        }
        return new ContainerCgroup(layout, podUid, containerId, created);
    }

    /** Moves a process (all its threads) into the container's cgroup. */
    public void add(long pid) throws IOException {
        Files.writeString(dir().resolve("cgroup.procs"), Long.toString(pid));
        pids.add(pid);
    }

    public String containerId() {
        return containerId;
    }

    /** The ID as the kubelet reports it in containerStatuses. */
    public String runtimeContainerId() {
        return "containerd://" + containerId;
    }

    public String podUid() {
        return podUid;
    }

    private Path dir() {
        Path d = layout.mount;
        for (String s : layout.segments(podUid, containerId)) {
            d = d.resolve(s);
        }
        return d;
    }

    @Override
    public void close() throws IOException {
        for (long pid : pids) {
            try {
                Files.writeString(layout.mount.resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                // it has exited
            }
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(created.get(i));
            } catch (FileSystemException e) {
                if (created.get(i).equals(dir())) {
                    throw e;
                }
                // a parent another container of the same pod still uses: its close removes it
            }
        }
    }
}
