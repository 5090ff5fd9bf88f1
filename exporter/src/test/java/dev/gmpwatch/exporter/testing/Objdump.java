package dev.gmpwatch.exporter.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * binutils objdump as an independent oracle: instruction boundaries and mnemonics of a function's
 * first bytes, and which of those instructions write a register a probe reads.
 */
public final class Objdump {
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\s+(.*)$");
    /** Intel-syntax names of the probe-input registers and their 32/16/8-bit parts. */
    private static final Set<String> PROBE_INPUT_REGS = Set.of(
            "rax", "eax", "ax", "al", "ah", "rbx", "ebx", "bx", "bl", "bh", "rcx", "ecx", "cx", "cl", "ch",
            "rdi", "edi", "di", "dil", "rsi", "esi", "si", "sil",
            "r8", "r8d", "r8w", "r8b", "r9", "r9d", "r9w", "r9b", "r10", "r10d", "r10w", "r10b",
            "r11", "r11d", "r11w", "r11b", "r14", "r14d", "r14w", "r14b");
    private static final Set<String> NO_DESTINATION = Set.of("cmp", "test", "bt", "push", "nop", "prefetcht0",
            "ucomisd", "ucomiss", "comisd", "comiss");

    /** One decoded instruction: its address, mnemonic and the rest of the line. */
    public record Insn(long address, String mnemonic, String operands) {
        /** The first operand, which Intel syntax writes to, is a probe-input register. */
        public boolean writesProbeInput() {
            if (NO_DESTINATION.contains(mnemonic) || mnemonic.startsWith("j") || mnemonic.equals("call")) {
                return false;
            }
            String dest = operands.split(",", 2)[0].strip();
            return PROBE_INPUT_REGS.contains(dest) || mnemonic.equals("syscall");
        }

        /** Whether it writes one of these registers (its first operand, in Intel syntax). */
        public boolean writesAny(Set<String> registers) {
            if (NO_DESTINATION.contains(mnemonic) || mnemonic.startsWith("j") || mnemonic.equals("call")) {
                return false;
            }
            return registers.contains(operands.split(",", 2)[0].strip());
        }

        public boolean isEmulatedKind() {
            return mnemonic.startsWith("j") || mnemonic.equals("call") || mnemonic.equals("nop") || mnemonic.equals("push");
        }

        public boolean isStackGuardCompare() {
            return mnemonic.equals("cmp") && (operands.contains("[r14+0x10]") || operands.contains("[r14+0x18]"));
        }
    }

    private Objdump() {
    }

    /** Disassembles [address, address+length) of a binary. */
    public static List<Insn> disassemble(Path binary, long address, int length) {
        String out = Command.check(List.of("objdump", "-d", "-M", "intel", "--no-show-raw-insn",
                "--start-address=0x" + Long.toHexString(address),
                "--stop-address=0x" + Long.toHexString(address + length), binary.toString()),
                Map.of(), null, Duration.ofMinutes(1));
        List<Insn> insns = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches() || line.contains("<")  && line.strip().endsWith(">:")) {
                continue;
            }
            String[] parts = m.group(2).strip().split("\\s+", 2);
            insns.add(new Insn(Long.parseLong(m.group(1), 16), parts[0], parts.length > 1 ? parts[1] : ""));
        }
        return insns;
    }
}
