package dev.gmpwatch.exporter.gobinary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.Objdump;
import dev.gmpwatch.exporter.testing.RealBinaries;
import dev.gmpwatch.exporter.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares GoBinary with the toolchains' own view of every binary we can get: fixtures built by
 * each Go toolchain (normal, stripped, PIE) and two real stripped binaries built elsewhere.
 */
class GoBinaryGroundTruthTest {
    /** One binary under test; {@code twin} is the unstripped build of the same source, if any. */
    record Subject(String label, Path binary, GoToolchain gosymBuilder, Path twin, String expectedVersion) {
    }

    private static final List<Subject> SUBJECTS = new ArrayList<>();

    @BeforeAll
    static void buildSubjects() {
        for (GoToolchain go : GoToolchain.all()) {
            Path normal = GoFixtures.build(go, "spawner", Variant.NORMAL);
            SUBJECTS.add(new Subject(go.version() + " normal", normal, go, normal, null));
            SUBJECTS.add(new Subject(go.version() + " stripped", GoFixtures.build(go, "spawner", Variant.STRIPPED), go, normal, null));
            SUBJECTS.add(new Subject(go.version() + " pie", GoFixtures.build(go, "spawner", Variant.PIE), go, null, null));
        }
        GoToolchain debian119 = GoToolchain.all().get(1);
        SUBJECTS.add(new Subject("prometheus (Debian)", RealBinaries.prometheus(), debian119, null, null));
        SUBJECTS.add(new Subject("esbuild 0.28.2 (npm)", RealBinaries.esbuild(), GoToolchain.newest(), null,
                RealBinaries.ESBUILD_GO_VERSION));
    }

    @Test
    void goVersionMatchesTheToolchain() throws Exception {
        for (Subject s : SUBJECTS) {
            String expected = s.expectedVersion() != null ? s.expectedVersion() : GroundTruth.goVersion(s.binary());
            assertEquals(expected, GoBinary.analyze(s.binary()).goVersion(), s.label());
        }
    }

    @Test
    void strippedAndPieAreReportedAsSuch() throws Exception {
        for (Subject s : SUBJECTS) {
            GoBinary bin = GoBinary.analyze(s.binary());
            boolean stripped = s.label().contains("stripped") || s.label().startsWith("prometheus") || s.label().startsWith("esbuild");
            assertEquals(stripped, bin.stripped(), s.label() + " stripped");
            assertEquals(s.label().endsWith("pie"), bin.pie(), s.label() + " pie");
        }
    }

    @Test
    void everyHookedFunctionResolvesToItsExactAddressAndProbesLandOnInstructionBoundaries() throws Exception {
        List<String> failures = new ArrayList<>();
        Map<String, Map<String, String>> modes = new LinkedHashMap<>();
        for (Subject s : SUBJECTS) {
            GoBinary bin = GoBinary.analyze(s.binary());
            Map<String, GroundTruth.GosymFunc> gosym = GroundTruth.gosym(s.gosymBuilder(), s.binary());
            Map<String, Long> nm = s.twin() != null ? GroundTruth.nm(s.twin()) : Map.of();
            Map<String, Long> goObjdump = bin.stripped() ? Map.of()
                    : GroundTruth.goObjdumpEntries(s.gosymBuilder(), s.binary(), HookedFunction.NAMES);
            Map<String, String> row = new LinkedHashMap<>();
            for (String name : HookedFunction.NAMES) {
                Optional<HookedFunction> found = bin.hookedFunctions().stream().filter(f -> f.name().equals(name)).findFirst();
                Long truth = gosym.containsKey(name) ? gosym.get(name).entry() : null;
                if (truth == null) {
                    check(failures, found.isEmpty() && bin.missingHookedFunctions().contains(name),
                            s, name, "is absent per debug/gosym but was reported");
                    row.put(name, "-");
                    continue;
                }
                if (found.isEmpty()) {
                    failures.add(s.label() + ": " + name + " not found; debug/gosym has it at 0x" + Long.toHexString(truth));
                    continue;
                }
                HookedFunction f = found.get();
                check(failures, f.address() == truth, s, name, "address 0x" + Long.toHexString(f.address())
                        + " but debug/gosym says 0x" + Long.toHexString(truth));
                if (nm.containsKey(name)) {
                    check(failures, f.address() == nm.get(name), s, name, "address differs from go tool nm");
                }
                if (!bin.stripped()) {
                    check(failures, Long.valueOf(f.address()).equals(goObjdump.get(name)), s, name,
                            "address differs from go tool objdump: " + goObjdump.get(name));
                }
                check(failures, bin.functions().symbolize(f.address() + 1).map(GoFunction::name).orElse("").equals(name),
                        s, name, "a PC inside it does not symbolize to it");
                String line = bin.sourceLine(f.address()).orElse("(none)");
                check(failures, line.equals(gosym.get(name).sourceLine()), s, name,
                        "source " + line + " but debug/gosym says " + gosym.get(name).sourceLine());
                checkProbeSite(failures, s, bin, f);
                row.put(name, f.probeMode() + (f.stackCheckBranch() ? "*" : ""));
            }
            modes.put(s.label(), row);
        }
        printModeTable(modes);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** Boundary, mnemonic and mode, each judged from binutils objdump's listing. */
    private static void checkProbeSite(List<String> failures, Subject s, GoBinary bin, HookedFunction f) {
        long delta = f.probeOffset() - f.fileOffset();
        List<Objdump.Insn> insns = Objdump.disassemble(s.binary(), f.address(), (int) delta + 32);
        long probeAddress = f.address() + delta;
        Optional<Objdump.Insn> at = insns.stream().filter(i -> i.address() == probeAddress).findFirst();
        if (at.isEmpty()) {
            failures.add(s.label() + ": " + f.name() + " probe at +0x" + Long.toHexString(delta) + " is not an instruction boundary");
            return;
        }
        if (HookedFunction.RESULT_OF.containsKey(f.name())) {
            checkResultSite(failures, s, bin, f, insns, at.get());
            return;
        }
        // The expected mode: emulated iff an emulated kind of instruction comes before any write of a probe input.
        String expectedMode = "singlestep";
        for (Objdump.Insn i : insns) {
            if (i.isEmulatedKind()) {
                expectedMode = "emulated";
                break;
            }
            if (i.writesProbeInput()) {
                break;
            }
        }
        boolean stackCheck = insns.size() > 2 && (insns.get(0).isStackGuardCompare() || insns.get(1).isStackGuardCompare());
        check(failures, f.probeMode().equals(expectedMode), s, f.name(), "mode " + f.probeMode() + ", objdump implies " + expectedMode);
        check(failures, !stackCheck || (f.stackCheckBranch() && at.get().mnemonic().equals("jbe")), s, f.name(),
                "has a stack-check prologue but the probe is not on its JBE");
        if (f.probeMode().equals("emulated")) {
            check(failures, at.get().mnemonic().equals(f.instruction()), s, f.name(),
                    "instruction " + f.instruction() + " but objdump says " + at.get().mnemonic());
        }
    }

    /**
     * A probe where a function holds a callee's result: the last call before it goes to the callee,
     * nothing between writes EAX, and the probed instruction is one the kernel emulates.
     */
    private static void checkResultSite(List<String> failures, Subject s, GoBinary bin, HookedFunction f, List<Objdump.Insn> insns,
                                        Objdump.Insn at) {
        String callee = HookedFunction.RESULT_OF.get(f.name());
        long calleeAddress = bin.functions().byName(callee).map(GoFunction::entry).orElse(-1L);
        int probe = insns.indexOf(at);
        int call = -1;
        for (int i = 0; i < probe; i++) {
            if (insns.get(i).mnemonic().equals("call")) {
                call = i;
            }
        }
        String target = call < 0 ? "" : insns.get(call).operands().replaceFirst("^0x", "");
        check(failures, call >= 0 && target.startsWith(Long.toHexString(calleeAddress)), s, f.name(),
                "the last call before the probe is not to " + callee);
        for (int i = call + 1; i < probe; i++) {
            check(failures, !insns.get(i).writesAny(Set.of("eax", "rax")), s, f.name(),
                    insns.get(i).mnemonic() + " " + insns.get(i).operands() + " overwrites the result before the probe");
        }
        check(failures, at.isEmulatedKind() && f.probeMode().equals("emulated") && at.mnemonic().equals(f.instruction()), s, f.name(),
                "the result site " + at.mnemonic() + " is not emulated");
    }

    private static void check(List<String> failures, boolean ok, Subject s, String fn, String what) {
        if (!ok) {
            failures.add(s.label() + ": " + fn + " " + what);
        }
    }

    /** Prints function x binary -> probe mode ("*" = stack-check JBE), and keeps a copy in target/. */
    private static void printModeTable(Map<String, Map<String, String>> modes) throws IOException {
        StringBuilder sb = new StringBuilder("| binary |");
        for (String n : HookedFunction.NAMES) {
            sb.append(' ').append(n.substring("runtime.".length())).append(" |");
        }
        sb.append("\n|---|").append("---|".repeat(HookedFunction.NAMES.size())).append('\n');
        modes.forEach((label, row) -> {
            sb.append("| ").append(label).append(" |");
            for (String n : HookedFunction.NAMES) {
                sb.append(' ').append(row.getOrDefault(n, "?")).append(" |");
            }
            sb.append('\n');
        });
        GoToolchain.unavailable().forEach((v, why) -> sb.append("\nunavailable toolchain ").append(v).append(": ").append(why));
        System.out.println("\nProbe modes (* = on the stack-check JBE, counts the not-taken pass):\n" + sb);
        Path out = Repo.scratch("probe-modes.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb.toString());
    }
}
