package dev.gmpwatch.remediator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.remediator.action.haproxy.HaproxyAction;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            auth: {bearerTokenFile: token}
            haproxy:
              lb: {socket: /run/haproxy.sock}
            policies:
              - name: leak
                match: {alertname: GoroutineLeak}
                action: {type: haproxy, haproxy: lb, backend: "{{ labels.backend }}", server: "web-{{ labels.server }}"}
            """;

    @Test
    void readsDefaults() throws Exception {
        Files.writeString(dir.resolve("token"), "t0k3n\n");
        RemediatorConfig c = ConfigLoader.parse(GOOD, dir);
        assertEquals("127.0.0.1", c.listenHost());
        assertEquals(9095, c.listenPort());
        assertEquals("jdbc:sqlite:gmpwatch-remediator.db", c.storeUrl());
        assertEquals("t0k3n", c.auth().bearerToken().orElseThrow());
        RemediatorConfig.PolicyConfig p = c.policies().get(0);
        assertEquals(Duration.ofMinutes(5), p.restoreAfter());
        HaproxyAction.Settings haproxy = ((HaproxyAction) p.action()).settings();
        assertEquals("maint", haproxy.openState());
        assertEquals(1, haproxy.maxOpenPerBackend());
    }

    /** Each case edits the good config with one String.replace and expects one error. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown top-level key | 'auth:'                          | 'frobnicate: 1\nauth:'                       | frobnicate: unknown key",
        "bad duration          | '    action:'                    | '    restoreAfter: soon\n    action:'        | policies[0].restoreAfter: 'soon' is not a duration",
        "unknown haproxy       | 'haproxy: lb,'                   | 'haproxy: nope,'                              | policies[0].action.haproxy: 'nope' is not defined",
        "unsafe literal        | 'web-{{'                         | 'a b{{'                                       | policies[0].action.server: literal text may use only",
        "bad regex             | '    action:'                    | '    matchRe: {severity: \"(\"}\n    action:' | policies[0].matchRe.severity: invalid regex",
        "bad state             | 'type: haproxy,'                 | 'type: haproxy, state: off,'                  | policies[0].action.state: must be maint or drain",
        "bad fraction          | '    action:'                    | '    caps: {maxOpenFraction: 2}\n    action:' | policies[0].caps.maxOpenFraction: must be in (0, 1]",
        "bad rate              | '    action:'                    | '    rateLimit: {perTarget: lots}\n    action:' | policies[0].rateLimit.perTarget: 'lots' is not a rate",
        "bad store             | 'auth:'                          | 'store: {url: mysql://x}\nauth:'            | store.url: must be jdbc:sqlite",
        "no policies           | '- name: leak'                   | '[]\n  # - name: leak'                       | policies: at least one policy",
    })
    void invalidConfigNamesTheKeyAndTheReason(String what, String from, String to, String expected) throws Exception {
        Files.writeString(dir.resolve("token"), "t\n");
        String yaml = GOOD.replace(from, to.replace("\\n", "\n"));
        if (what.equals("no policies")) {
            yaml = GOOD.substring(0, GOOD.indexOf("policies:")) + "policies: []\n";
        }
        String config = yaml;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config, dir));
        assertTrue(e.getMessage().startsWith(expected.strip()), what + ": " + e.getMessage() + "\n" + config);
    }

    @Test
    void aMissingTokenFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(GOOD, dir));
        assertTrue(e.getMessage().startsWith("auth.bearerTokenFile: cannot read"), e.getMessage());
    }

    private static final String KUBE = """
            auth: {bearerTokenFile: token}
            kubernetes: {kubeconfig: kubeconfig, namespaces: [shop]}
            policies:
              - name: leak
                match: {alertname: GoroutineLeak}
                action: {type: kubernetes, lever: circuit, service: api}
            """;

    /** The kubernetes section and lever: each case edits KUBE once and expects one error. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no section        | 'kubernetes: {kubeconfig: kubeconfig, namespaces: [shop]}' | ''                         | policies[0].action.type: kubernetes needs the top-level kubernetes: section",
        "no namespaces     | 'namespaces: [shop]'             | 'namespaces: []'                                          | kubernetes.namespaces: list the namespaces",
        "bad namespace     | 'namespaces: [shop]'             | 'namespaces: [Shop_1]'                                    | kubernetes.namespaces: 'Shop_1' is not a namespace name",
        "no kubeconfig     | 'kubeconfig: kubeconfig'         | 'kubeconfig: missing'                                     | kubernetes.kubeconfig: no such file",
        "not in a pod      | 'kubeconfig: kubeconfig, '       | ''                                                        | kubernetes: not running in a pod",
        "unknown key       | 'namespaces: [shop]'             | 'namespaces: [shop], context: x'                          | kubernetes.context: unknown key",
        "no service        | ', service: api'                 | ''                                                        | policies[0].action.service: required",
        "bad mode          | 'lever: circuit,'                | 'lever: circuit, mode: evict,'                            | policies[0].action.mode: must be auto, readinessGate or label",
        "bad lever         | 'lever: circuit,'                | 'lever: delete,'                                          | policies[0].action.lever: must be circuit or gomaxprocs",
        "bad condition     | 'lever: circuit,'                | 'lever: circuit, conditionType: \"a b\",'              | policies[0].action.conditionType: 'a b' is not a qualified name",
        "no max            | 'lever: circuit, service: api'   | 'lever: gomaxprocs, direction: down'                      | policies[0].action.max: required for lever gomaxprocs",
        "min above max     | 'lever: circuit, service: api'   | 'lever: gomaxprocs, direction: down, min: 4, max: 3'      | policies[0].action.min: is above max",
        "circuit caps      | '    action:'                    | '    caps: {maxOpenPerBackend: 1}\n    action:'          | policies[0].caps.maxOpenPerBackend: unknown key",
    })
    void invalidKubernetesConfigNamesTheKeyAndTheReason(String what, String from, String to, String expected) throws Exception {
        Files.writeString(dir.resolve("token"), "t\n");
        Files.writeString(dir.resolve("kubeconfig"), """
                current-context: c
                contexts: [{name: c, context: {cluster: k, user: u}}]
                clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt}}]
                users: [{name: u, user: {token: t}}]
                """);
        Files.copy(Path.of("src/test/resources/kubernetes/ca.crt"), dir.resolve("ca.crt"));
        String config = KUBE.replace(from, to.replace("\\n", "\n"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config, dir));
        assertTrue(e.getMessage().startsWith(expected.strip()), what + ": " + e.getMessage() + "\n" + config);
    }

    @Test
    void aGoodKubernetesConfigLoads() throws Exception {
        Files.writeString(dir.resolve("token"), "t\n");
        Files.writeString(dir.resolve("kubeconfig"), """
                current-context: c
                contexts: [{name: c, context: {cluster: k, user: u}}]
                clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt}}]
                users: [{name: u, user: {tokenFile: sa-token}}]
                """);
        Files.copy(Path.of("src/test/resources/kubernetes/ca.crt"), dir.resolve("ca.crt"));
        RemediatorConfig c = ConfigLoader.parse(KUBE, dir);
        assertEquals("kubernetes", c.policies().get(0).action().type());
        assertTrue(c.policies().get(0).action().restores());
    }
}
