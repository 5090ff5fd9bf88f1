package dev.gmpwatch.exporter.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kubeconfig and in-cluster settings, and the one-line errors for what cannot be used. */
class ApiServerTest {
    @TempDir
    Path dir;

    @Test
    void kubeconfigCurrentContextWithTokenFile() throws Exception {
        Files.writeString(dir.resolve("token"), "abc\n");
        Path cfg = write("""
                apiVersion: v1
                kind: Config
                current-context: b
                clusters:
                - {name: one, cluster: {server: "https://10.0.0.1:6443/", insecure-skip-tls-verify: true}}
                users:
                - {name: u, user: {tokenFile: token}}
                contexts:
                - {name: a, context: {cluster: nowhere, user: nobody}}
                - {name: b, context: {cluster: one, user: u}}
                """);
        ApiServer api = ApiServer.fromKubeconfig(cfg);
        assertEquals("https://10.0.0.1:6443", api.url().toString());
        assertEquals(Optional.of("abc"), api.token().get());
        Files.writeString(dir.resolve("token"), "rotated");
        Files.setLastModifiedTime(dir.resolve("token"), FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertEquals(Optional.of("rotated"), api.token().get(), "a rotated token is read again");
    }

    @Test
    void unusableKubeconfigsGetOneLineReasons() throws Exception {
        assertError("no cluster named 'x'", """
                current-context: c
                contexts: [{name: c, context: {cluster: x, user: u}}]
                users: [{name: u, user: {token: t}}]
                """);
        assertError("exec and auth-provider credentials are not supported", """
                current-context: c
                contexts: [{name: c, context: {cluster: k, user: u}}]
                clusters: [{name: k, cluster: {server: "https://k:6443"}}]
                users: [{name: u, user: {exec: {command: aws}}}]
                """);
        assertError("is not an http(s) URL", """
                current-context: c
                contexts: [{name: c, context: {cluster: k, user: u}}]
                clusters: [{name: k, cluster: {server: "k:6443"}}]
                users: [{name: u, user: {token: t}}]
                """);
        assertError("unusable TLS material", """
                current-context: c
                contexts: [{name: c, context: {cluster: k, user: u}}]
                clusters: [{name: k, cluster: {server: "https://k:6443", certificate-authority-data: "bm90IGEgY2VydA=="}}]
                users: [{name: u, user: {token: t}}]
                """);
        assertError("is not a YAML mapping", "- just\n- a list\n");
    }

    @Test
    void inClusterNeedsTheServiceEnvironmentAndAMountedAccount() {
        KubernetesException outside = assertThrows(KubernetesException.class, () -> ApiServer.inCluster(Map.of(), dir));
        assertTrue(outside.getMessage().contains("--kubernetes.kubeconfig"), outside.getMessage());
        KubernetesException noAccount = assertThrows(KubernetesException.class,
                () -> ApiServer.inCluster(Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), dir));
        assertTrue(noAccount.getMessage().contains("automountServiceAccountToken"), noAccount.getMessage());
    }

    @Test
    void flagsNeedANodeName() throws Exception {
        assertEquals(Optional.empty(), KubernetesNames.fromFlags(false, null, null, Map.of()));
        KubernetesException e = assertThrows(KubernetesException.class, () -> KubernetesNames.fromFlags(true, null, null, Map.of()));
        assertTrue(e.getMessage().contains("NODE_NAME"), e.getMessage());
        KubernetesException bad = assertThrows(KubernetesException.class,
                () -> KubernetesNames.fromFlags(true, null, "Node_1;rm", Map.of()));
        assertTrue(bad.getMessage().contains("not a node name"), bad.getMessage());
        KubernetesException missing = assertThrows(KubernetesException.class,
                () -> KubernetesNames.fromFlags(true, dir.resolve("nope").toString(), "n1", Map.of()));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    private void assertError(String expected, String yaml) throws Exception {
        Path cfg = write(yaml);
        KubernetesException e = assertThrows(KubernetesException.class, () -> ApiServer.fromKubeconfig(cfg));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    private Path write(String yaml) throws Exception {
        Path p = Files.createTempFile(dir, "kubeconfig", ".yaml");
        Files.writeString(p, yaml);
        return p;
    }
}
