package dev.gmpwatch.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files are valid: the Kubernetes manifests against the Kubernetes schemas and
 * prometheus-operator's CRDs (scripts/validate-manifests.py, with kubernetes-validate from PyPI),
 * the PrometheusRule in step with alerts/, and the systemd units by systemd-analyze.
 */
class DeployFilesTest {
    private static final Path ROOT = Repo.root();
    private static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");

    @Test
    void kubernetesManifestsAreValid() throws Exception {
        Command c = validate(manifests()).assertSuccess();
        assertTrue(c.output().contains("valid"), c.output());
    }

    /** The validator is strict: a misspelt field, and a kind it has no schema for, both fail. */
    @Test
    void validatorRefusesUnknownFieldsAndKinds(@TempDir Path tmp) throws Exception {
        Path typo = tmp.resolve("typo.yaml");
        Files.writeString(typo, Files.readString(KUBERNETES.resolve("exporter.yaml")).replace("hostPID:", "hostPid:"));
        Command c = validate(List.of(typo.toString()));
        assertEquals(1, c.exitCode(), c.output());
        assertTrue(c.output().contains("hostPid"), c.output());

        Path monitor = tmp.resolve("monitor.yaml");
        Files.writeString(monitor, Files.readString(KUBERNETES.resolve("servicemonitor.yaml")).replace("interval: 10s", "intervall: 10s"));
        c = validate(List.of(monitor.toString()));
        assertEquals(1, c.exitCode(), c.output());
        assertTrue(c.output().contains("intervall"), c.output());

        Path unknown = tmp.resolve("unknown.yaml");
        Files.writeString(unknown, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
        c = validate(List.of(unknown.toString()));
        assertEquals(1, c.exitCode(), c.output());
        assertTrue(c.output().contains("no schema"), c.output());
    }

    @Test
    void prometheusRuleMatchesTheAlertsDirectory() throws Exception {
        Command.run(ROOT, List.of("python3", "scripts/gen-prometheusrule.py", "--check")).assertSuccess();
    }

    @Test
    void systemdUnitsVerify() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/systemd-analyze", "verify"));
        try (Stream<Path> s = Files.list(ROOT.resolve("deploy/systemd"))) {
            s.filter(p -> p.toString().endsWith(".service")).sorted().forEach(p -> cmd.add(p.toString()));
        }
        assertEquals(4, cmd.size(), "expected the exporter and remediator units: " + cmd);
        Command c = Command.run(ROOT, cmd).assertSuccess();
        // systemd-analyze only warns (exit 0) about unknown keys; any output is a problem.
        assertEquals("", c.output().strip());
    }

    @Test
    void systemdCheckCatchesAMisspeltKey(@TempDir Path tmp) throws Exception {
        Path unit = tmp.resolve("gmpwatch-exporter.service");
        Files.writeString(unit, Files.readString(ROOT.resolve("deploy/systemd/gmpwatch-exporter.service"))
                .replace("NoNewPrivileges=", "NoNewPrivilege="));
        Command c = Command.run(tmp, List.of("/usr/bin/systemd-analyze", "verify", unit.toString()));
        assertNotEquals("", c.output().strip(), "systemd-analyze said nothing about NoNewPrivilege=");
    }

    private static List<String> manifests() throws Exception {
        try (Stream<Path> s = Files.list(KUBERNETES)) {
            List<String> files = s.map(Path::toString).filter(n -> n.endsWith(".yaml")).sorted().toList();
            assertTrue(files.size() >= 5, "expected namespace, exporter, remediator, servicemonitor, prometheusrule: " + files);
            return files;
        }
    }

    private static Command validate(List<String> files) throws Exception {
        Path python = ROOT.resolve(".gmpwatch-cache/venv/bin/python");
        if (!Files.isExecutable(python)) {
            throw new AssertionError(python + " is missing (kubernetes-validate's virtualenv); run scripts/setup.sh");
        }
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "scripts/validate-manifests.py"));
        cmd.addAll(files);
        return Command.run(ROOT, cmd);
    }
}
