package dev.gmpwatch.exporter.gobinary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shipped per-version tables (used for stripped binaries) against the DWARF and symbols of
 * every toolchain this machine can get, built for both machines: the runtime's layouts are the
 * same on amd64 and arm64 (both 64-bit, no per-architecture fields among those read), so one
 * table serves both, and this test would tell if that stopped being true. A mismatch means: run
 * scripts/gen-version-tables.py.
 */
class VersionTablesTest {
    @ParameterizedTest
    @EnumSource(Machine.class)
    void structOffsetTableMatchesDwarfOfEveryToolchain(Machine machine) throws Exception {
        List<String> failures = new ArrayList<>();
        for (GoToolchain go : GoToolchain.all()) {
            GoBinary withDwarf = GoBinary.analyze(GoFixtures.build(go, "spawner", Variant.NORMAL, machine));
            assertEquals(RuntimeLayout.Source.DWARF, withDwarf.layout().source(), go.version());
            assertEquals(List.of(), RuntimeLayout.missingForState(withDwarf.layout().offsets()),
                    go.version() + ": every field the state reader needs is found in DWARF");
            String minor = GoVersion.minor(go.version()).orElseThrow();
            Map<String, Long> table = VersionTables.structOffsets().get(minor);
            if (!withDwarf.layout().offsets().equals(table)) {
                failures.add(go.version() + " " + machine + ": DWARF " + withDwarf.layout().offsets() + " but the table has " + table);
            }
            GoBinary stripped = GoBinary.analyze(GoFixtures.build(go, "spawner", Variant.STRIPPED, machine));
            assertEquals(RuntimeLayout.Source.TABLE, stripped.layout().source(), go.version() + " stripped");
        }
        assertTrue(failures.isEmpty(), "regenerate with scripts/gen-version-tables.py:\n" + String.join("\n", failures));
    }

    @ParameterizedTest
    @EnumSource(Machine.class)
    void waitReasonTableMatchesTheBinaryOfEveryToolchain(Machine machine) throws Exception {
        List<String> failures = new ArrayList<>();
        for (GoToolchain go : GoToolchain.all()) {
            GoBinary withSymbols = GoBinary.analyze(GoFixtures.build(go, "spawner", Variant.NORMAL, machine));
            assertEquals(WaitReasons.Source.SYMBOL, withSymbols.waitReasons().source(), go.version());
            List<String> fromBinary = withSymbols.waitReasons().texts();
            assertTrue(fromBinary.contains("chan receive") && fromBinary.contains("select") && fromBinary.contains("sleep"),
                    go.version() + ": " + fromBinary);
            List<String> table = VersionTables.waitReasons().get(GoVersion.minor(go.version()).orElseThrow());
            if (!fromBinary.equals(table)) {
                failures.add(go.version() + " " + machine + ": binary " + fromBinary + " but the table has " + table);
            }
            GoBinary stripped = GoBinary.analyze(GoFixtures.build(go, "spawner", Variant.STRIPPED, machine));
            assertEquals(WaitReasons.Source.TABLE, stripped.waitReasons().source(), go.version() + " stripped");
            assertEquals(fromBinary, stripped.waitReasons().texts(), go.version() + " stripped");
        }
        assertTrue(failures.isEmpty(), "regenerate with scripts/gen-version-tables.py:\n" + String.join("\n", failures));
    }

    @ParameterizedTest
    @EnumSource(Machine.class)
    void pieBinariesReadPointersThroughRelocations(Machine machine) throws Exception {
        for (GoToolchain go : GoToolchain.all()) {
            GoBinary normal = GoBinary.analyze(GoFixtures.build(go, "spawner", Variant.NORMAL, machine));
            GoBinary pie = GoBinary.analyze(GoFixtures.build(go, "spawner", Variant.PIE, machine));
            assertEquals(normal.waitReasons().texts(), pie.waitReasons().texts(), go.version() + " pie");
            assertEquals(normal.layout().offsets(), pie.layout().offsets(), go.version() + " pie");
        }
    }

    @Test
    void versionsParseToTheirMinorRelease() {
        assertEquals("go1.26", GoVersion.minor("go1.26.5").orElseThrow());
        assertEquals("go1.21", GoVersion.minor("go1.21rc2").orElseThrow());
        assertEquals("go1.19", GoVersion.minor("go1.19").orElseThrow());
        assertTrue(GoVersion.minor("devel go1.27-abcdef").isEmpty());
    }
}
