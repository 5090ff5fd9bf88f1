package dev.gmpwatch.exporter.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoFunction;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The arm64 decoder against binutils' aarch64 objdump, on the runtime functions the analysis reads
 * (and a few more) of real builds: every word it decodes prints as objdump prints it, and every
 * instruction objdump shows in a modelled form is decoded, none skipped.
 */
class Arm64DecoderTest {
    private static final Path OBJDUMP = Path.of("/usr/bin/aarch64-linux-gnu-objdump");
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\s+(\\S+)\\s*(.*)$");
    private static final List<String> FUNCTIONS = List.of("runtime.schedtrace", "runtime.procresize", "runtime.allgadd",
            "runtime.forEachGRace", "runtime.gcMarkTermination", "runtime.(*gcCPULimiterState).accumulate",
            "runtime.newproc1", "runtime.casgstatus", "runtime.gopark", "runtime.mallocgc", "main.main");
    /** Mnemonics of the modelled forms, as objdump spells them. */
    private static final Pattern MODELLED = Pattern.compile(
            "adrp|adr|add|adds|sub|subs|cmp|cmn|bl|b|ret|(ld|st)(u?r|p)(s?[bhw])?|ldpsw|ldar[bh]?|stlr[bh]?|ld[a]?xr[bh]?|st[l]?xr[bh]?"
            + "|ld(add|clr|eor|set|smax|smin|umax|umin)(a|l|al)?[bh]?|st(add|clr|eor|set|smax|smin|umax|umin)l?[bh]?|swp(a|l|al)?[bh]?");

    static Stream<GoToolchain> toolchains() {
        return GoToolchain.newestAndGo119().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolchains")
    void decodesAsBinutilsDoes(GoToolchain go) throws Exception {
        assertTrue(Files.isExecutable(OBJDUMP), "missing binutils' aarch64 objdump at " + OBJDUMP
                + " (apt-get install binutils-aarch64-linux-gnu, or scripts/setup.sh)");
        Path bin = GoFixtures.build(go, "spawner", Variant.NORMAL, Machine.ARM64);
        GoBinary binary = GoBinary.analyze(bin);
        ElfFile elf = ElfFile.open(bin);
        List<String> failures = new ArrayList<>();
        int decoded = 0;
        int checked = 0;
        for (String name : FUNCTIONS) {
            Optional<GoFunction> f = binary.functions().byName(name);
            if (f.isEmpty()) {
                continue;
            }
            int length = (int) Math.min(f.get().size(), 16 * 1024);
            ByteBuffer buf = elf.readAt(f.get().entry(), length);
            byte[] code = new byte[buf.remaining()];
            buf.get(code);
            for (String[] insn : objdump(bin, f.get().entry(), length)) {
                long address = Long.parseLong(insn[0], 16);
                String theirs = (insn[1] + "\t" + insn[2]).strip();
                Optional<Arm64Instruction> ours = Arm64Decoder.decode(code, (int) (address - f.get().entry()));
                checked++;
                if (ours.isPresent()) {
                    decoded++;
                    String text = ours.get().text(f.get().entry());
                    if (!text.equals(theirs)) {
                        failures.add(name + "+0x" + Long.toHexString(address - f.get().entry()) + ": ours '" + text + "', objdump '" + theirs + "'");
                    }
                } else if (inModelledForm(insn[1], insn[2])) {
                    failures.add(name + "+0x" + Long.toHexString(address - f.get().entry()) + ": not decoded: '" + theirs + "'");
                }
            }
        }
        assertTrue(failures.isEmpty(), go + ": " + failures.size() + " differences:\n" + String.join("\n", failures.subList(0, Math.min(40, failures.size()))));
        assertTrue(decoded > 1000, go + ": only " + decoded + " of " + checked + " instructions decoded");
    }

    /**
     * A form the decoder models: a mnemonic it knows, general registers only, and an immediate or
     * no offset (register offsets, PC-relative literals and SIMD registers are not modelled).
     */
    private static boolean inModelledForm(String mnemonic, String operands) {
        if (!MODELLED.matcher(mnemonic).matches()) {
            return false;
        }
        if (Set.of("add", "adds", "sub", "subs", "cmp", "cmn").contains(mnemonic)) {
            return operands.matches(".*#0x[0-9a-f]+(, lsl #12)?$") && !operands.contains("uxt") && !operands.contains("sxt");
        }
        if (mnemonic.startsWith("ld") || mnemonic.startsWith("st") || mnemonic.startsWith("swp")) {
            boolean general = operands.matches("^[xw](\\d+|zr).*");
            boolean registerOffset = operands.matches(".*\\[\\w+, [xw]\\d+.*");
            return general && operands.contains("[") && !registerOffset;
        }
        return true;
    }

    private static List<String[]> objdump(Path bin, long address, int length) {
        String out = Command.check(List.of(OBJDUMP.toString(), "-d", "--no-show-raw-insn",
                "--start-address=0x" + Long.toHexString(address), "--stop-address=0x" + Long.toHexString(address + length),
                bin.toString()), Map.of(), null, Duration.ofMinutes(1));
        List<String[]> insns = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches() || line.strip().endsWith(">:") || m.group(2).startsWith(".")) {
                continue;
            }
            // drop objdump's annotations: "<symbol+off>" after targets and "// #imm" comments
            String operands = m.group(3).replaceAll("\\s*<[^>]*>", "").replaceAll("\\s*//.*$", "").strip();
            insns.add(new String[] {m.group(1), m.group(2), operands});
        }
        return insns;
    }
}
