package dev.gmpwatch.exporter.x86;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfSection;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.RealBinaries;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Decodes every instruction of whole binaries straight through .text and compares each length,
 * mnemonic and RIP-relative target with binutils objdump. A wrong length here would be a probe
 * off a boundary; a wrong target, a wrong global recovered from a stripped binary.
 */
class DecoderAgainstObjdumpTest {
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\s+(\\S+)(?:\\s+(.*))?$");
    /** objdump's comment on a [rip+disp] operand: the address it resolves to. */
    private static final Pattern RIP_TARGET = Pattern.compile("\\[rip[+-]0x[0-9a-f]+\\].*#\\s+(?:0x)?([0-9a-f]+)");
    private static final Set<String> OBJDUMP_PREFIXES = Set.of("lock", "rep", "repz", "repnz", "repe", "repne",
            "cs", "ds", "ss", "es", "fs", "gs", "data16", "addr32", "bnd", "notrack", "rex", "rex.W", "rex.B");
    /** Our names that stand for a family objdump spells out. */
    private static final Set<String> FAMILY_NAMES = Set.of("sse", "movq", "prefetch");

    @Test
    void everyDecodedInstructionHasObjdumpsLengthAndMnemonic() {
        GoToolchain newest = GoToolchain.newest();
        GoToolchain debian119 = GoToolchain.all().get(1);
        List<Path> binaries = List.of(
                GoFixtures.build(newest, "spawner", GoFixtures.Variant.NORMAL),
                GoFixtures.build(debian119, "spawner", GoFixtures.Variant.NORMAL),
                RealBinaries.esbuild());
        List<String> failures = new ArrayList<>();
        for (Path b : binaries) {
            compare(b, failures);
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(40, failures.size()))));
    }

    private static void compare(Path binary, List<String> failures) {
        Map<Long, String> objdump = new HashMap<>();
        Map<Long, Long> ripTargets = new HashMap<>();
        objdump(binary, objdump, ripTargets);
        byte[] text;
        long base;
        try {
            ElfFile elf = ElfFile.open(binary);
            ElfSection s = elf.section(".text").orElseThrow();
            ByteBuffer data = elf.sectionData(s);
            text = new byte[data.remaining()];
            data.get(text);
            base = s.address();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        int decoded = 0;
        int unknown = 0;
        int ripChecked = 0;
        for (int pos = 0; pos < text.length; ) {
            long addr = base + pos;
            Optional<Instruction> insn = X86Decoder.decode(text, pos);
            if (!objdump.containsKey(addr)) {
                failures.add(String.format("%s: decoding reached 0x%x, which objdump does not list as a boundary", binary.getFileName(), addr));
                return;
            }
            if (insn.isEmpty()) {
                unknown++;
                pos = nextBoundary(objdump, addr, base, text.length);
                continue;
            }
            decoded++;
            Instruction i = insn.get();
            String theirs = objdump.get(addr);
            if (!FAMILY_NAMES.contains(i.mnemonic()) && !OBJDUMP_PREFIXES.contains(theirs) && !theirs.equals(i.mnemonic())
                    && !(theirs.equals("(bad)"))) {
                failures.add(String.format("%s 0x%x: we say %s, objdump says %s", binary.getFileName(), addr, i.mnemonic(), theirs));
            }
            Long theirTarget = ripTargets.get(addr);
            Long ourTarget = i.rip() == null ? null : base + i.rip().target();
            if (theirTarget != null || ourTarget != null) {
                ripChecked++;
                if (!java.util.Objects.equals(theirTarget, ourTarget)) {
                    failures.add(String.format("%s 0x%x %s: our RIP-relative target is %s, objdump's %s", binary.getFileName(), addr,
                            theirs, hex(ourTarget), hex(theirTarget)));
                }
            }
            pos += i.length();
        }
        System.out.printf("%s: %d instructions decoded and matched objdump (%d RIP-relative targets), %d left to objdump's judgement%n",
                binary.getFileName(), decoded, ripChecked, unknown);
        assertTrue(ripChecked > 1000, binary + ": Go code reaches its globals RIP-relative; only " + ripChecked + " seen");
        assertTrue(decoded > 10 * Math.max(1, unknown), binary + ": the decoder should know nearly all of Go's instructions");
    }

    /** Skips an instruction we refuse, using objdump's boundary so the comparison continues. */
    private static int nextBoundary(Map<Long, String> objdump, long addr, long base, int limit) {
        for (long a = addr + 1; a < base + limit; a++) {
            if (objdump.containsKey(a)) {
                return (int) (a - base);
            }
        }
        return limit;
    }

    /** objdump's mnemonic, and the target of each RIP-relative operand, by instruction address. */
    private static void objdump(Path binary, Map<Long, String> mnemonics, Map<Long, Long> ripTargets) {
        String out = Command.check(List.of("objdump", "-d", "-M", "intel", "--no-show-raw-insn", "-j", ".text", binary.toString()),
                Map.of(), null, Duration.ofMinutes(5));
        for (String line : out.split("\n")) {
            Matcher x = LINE.matcher(line);
            if (x.matches() && !line.endsWith(">:")) {
                long addr = Long.parseLong(x.group(1), 16);
                mnemonics.put(addr, x.group(2));
                Matcher rip = x.group(3) == null ? null : RIP_TARGET.matcher(x.group(3));
                if (rip != null && rip.find()) {
                    ripTargets.put(addr, Long.parseLong(rip.group(1), 16));
                }
            }
        }
    }

    private static String hex(Long v) {
        return v == null ? "none" : "0x" + Long.toHexString(v);
    }
}
