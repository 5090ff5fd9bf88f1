package dev.gmpwatch.exporter.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Container ID and pod UID from /proc/PID/cgroup, in the layouts kubelets and runtimes write. */
class ContainerIdentityTest {
    private static final String ID = "3f1c2a9e5b7d4c6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
    private static final String UID = "8d1f9c2e-4b7a-4e3d-9f6a-1c2b3d4e5f60";
    private static final String UID_SYSTEMD = UID.replace('-', '_');
    private static final ContainerIdentity IN_POD = new ContainerIdentity(ID, UID);

    @TempDir
    Path root;

    @Test
    void cgroupfsDriverOnCgroupV1() {
        assertEquals(IN_POD, parse("12:pids:/kubepods/besteffort/pod" + UID + "/" + ID,
                "4:cpu,cpuacct:/kubepods/besteffort/pod" + UID + "/" + ID, "1:name=systemd:/kubepods/besteffort/pod" + UID + "/" + ID));
        assertEquals(IN_POD, parse("4:cpu,cpuacct:/kubepods/pod" + UID + "/" + ID), "guaranteed QoS sits right under kubepods");
    }

    @Test
    void systemdDriverWithEachRuntime() {
        String pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_SYSTEMD + ".slice/";
        assertEquals(IN_POD, parse("0::" + pod + "cri-containerd-" + ID + ".scope"));
        assertEquals(IN_POD, parse("0::" + pod + "crio-" + ID + ".scope"));
        assertEquals(IN_POD, parse("0::" + pod + "docker-" + ID + ".scope"));
        assertEquals(IN_POD, parse("0::/kubepods.slice/kubepods-pod" + UID_SYSTEMD + ".slice/cri-containerd-" + ID + ".scope"),
                "guaranteed QoS has no QoS slice");
    }

    @Test
    void aCgroupNamespaceShowsPathsRelativeToItsRoot() {
        assertEquals(IN_POD, parse("0::/../../kubepods-besteffort-pod" + UID_SYSTEMD + ".slice/cri-containerd-" + ID + ".scope"));
    }

    @Test
    void containersOutsideKubernetesHaveNoPod() {
        assertEquals(new ContainerIdentity(ID, ""), parse("0::/system.slice/docker-" + ID + ".scope"));
        assertEquals(new ContainerIdentity(ID, ""), parse("3:cpu:/docker/" + ID));
        assertEquals(new ContainerIdentity(ID, ""), parse("0::/machine.slice/libpod-" + ID + ".scope"));
    }

    @Test
    void unifiedLineWinsOverV1OnHybridHosts() {
        String other = ID.replace('3', '4');
        assertEquals(IN_POD, parse("4:cpu:/kubepods/pod" + UID + "/" + other, "0::/kubepods/pod" + UID + "/" + ID));
    }

    @Test
    void bareHostsAndLookalikesHaveNone() {
        assertEquals(ContainerIdentity.NONE, parse("0::/user.slice/user-0.slice/session-3.scope"));
        assertEquals(ContainerIdentity.NONE, parse("0::/"));
        assertEquals(ContainerIdentity.NONE, parse("0::/system.slice/crio-conmon-" + ID + ".scope"), "CRI-O's monitor is not the container");
        assertEquals(ContainerIdentity.NONE, parse("0::/kubepods/pod" + UID + "/" + ID.substring(1)), "63 hex digits are not an ID");
        assertEquals(ContainerIdentity.NONE, parse("garbage", "", "1:2"));
        assertEquals(new ContainerIdentity("", UID), parse("0::/kubepods/burstable/pod" + UID), "a process in the pod's own cgroup");
    }

    @Test
    void readsTheProcessFileAndToleratesAGoneProcess() throws Exception {
        Path proc = root.resolve("proc");
        Files.createDirectories(proc.resolve("42"));
        Files.writeString(proc.resolve("42/cgroup"), "0::/kubepods/besteffort/pod" + UID + "/" + ID + "\n");
        assertEquals(IN_POD, ContainerIdentity.of(Procfs.at(proc), 42));
        assertEquals(ContainerIdentity.NONE, ContainerIdentity.of(Procfs.at(proc), 43));
    }

    private static ContainerIdentity parse(String... lines) {
        return ContainerIdentity.parse(List.of(lines));
    }
}
