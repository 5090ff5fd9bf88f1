package dev.gmpwatch.exporter.gobinary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfSection;
import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.RealBinaries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stripped binaries keep no data symbols; gmpwatch recovers the runtime's variables from the code
 * that uses them. Checked against each toolchain's unstripped twin: -s -w moves data sections by a
 * few bytes, so every recovered address must be the twin's, moved by exactly its section's shift.
 * Both machines: x86-64 reaches globals RIP-relative, arm64 through ADRP pairs.
 */
class StrippedGlobalsTest {
    @ParameterizedTest
    @EnumSource(Machine.class)
    void everyVariableIsRecoveredAtItsTwinsAddressInEveryToolchain(Machine machine) throws Exception {
        List<String> failures = new ArrayList<>();
        for (GoToolchain go : GoToolchain.all()) {
            Path normalPath = GoFixtures.build(go, "spawner", Variant.NORMAL, machine);
            Path strippedPath = GoFixtures.build(go, "spawner", Variant.STRIPPED, machine);
            GoBinary normal = GoBinary.analyze(normalPath);
            GoBinary stripped = GoBinary.analyze(strippedPath);
            assertEquals(machine, stripped.machine());
            assertEquals("code", stripped.globalsSource(), go.version());
            if (!stripped.globalsProblems().isEmpty()) {
                failures.add(go.version() + " " + machine + ": " + stripped.globalsProblems());
            }
            ElfFile a = ElfFile.open(normalPath);
            ElfFile b = ElfFile.open(strippedPath);
            for (Map.Entry<String, Long> e : normal.globals().entrySet()) {
                ElfSection sa = a.sections().stream().filter(s -> s.contains(e.getValue())).findFirst().orElseThrow();
                ElfSection sb = b.section(sa.name()).orElseThrow();
                long expected = e.getValue() - sa.address() + sb.address();
                Long got = stripped.globals().get(e.getKey());
                if (got == null || got != expected) {
                    failures.add(go.version() + " " + machine + " " + e.getKey() + ": expected 0x" + Long.toHexString(expected) + " in "
                            + sa.name() + ", recovered " + (got == null ? "nothing" : "0x" + Long.toHexString(got)));
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void debiansStrippedExternallyLinkedPrometheusGivesUpEveryVariable() throws Exception {
        GoBinary prometheus = GoBinary.analyze(RealBinaries.prometheus());
        assertEquals(List.of(), prometheus.globalsProblems());
        assertEquals(RuntimeLayout.GLOBALS, prometheus.globals().keySet());
    }

    @Test
    void npmsStrippedArm64EsbuildGivesUpEveryVariable() throws Exception {
        GoBinary esbuild = GoBinary.analyze(RealBinaries.esbuild(Machine.ARM64));
        assertEquals(Machine.ARM64, esbuild.machine());
        assertEquals(List.of(), esbuild.globalsProblems());
        assertEquals(RuntimeLayout.GLOBALS, esbuild.globals().keySet());
        assertEquals(RuntimeLayout.GLOBALS, esbuild.globalsRules().keySet(), "a rule for each");
    }
}
