package dev.gmpwatch.remediator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.remediator.action.haproxy.HaproxyAction;
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
}
