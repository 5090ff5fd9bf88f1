package dev.gmpwatch.exporter.x86;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A RIP-relative memory operand: how an instruction touches a global variable. Go code reaches
 * every package-level variable this way, so a function's data references name the variables it
 * uses even in a stripped binary.
 *
 * @param address the operand's link-time address
 * @param size    operand size in bytes (1, 2, 4 or 8)
 */
public record DataReference(Access access, int size, long address) {
    /** What the instruction does with the operand. */
    public enum Access { LEA, LOAD, STORE, COMPARE, COMPARE_IMMEDIATE, INCREMENT, OTHER }

    /** The data references of a function's code, in order; {@code base} is the code's link-time address. */
    public static List<DataReference> scan(byte[] code, long base) {
        List<DataReference> out = new ArrayList<>();
        for (int pos = 0; pos < code.length; ) {
            Optional<Instruction> insn = X86Decoder.decode(code, pos);
            if (insn.isEmpty() || pos + insn.get().length() > code.length) {
                pos++; // resynchronise on undecoded bytes (data in text, or an opcode we do not model)
                continue;
            }
            long next = base + pos + insn.get().length(); // RIP-relative operands count from the next instruction
            parse(code, pos, insn.get().length()).ifPresent(r -> out.add(new DataReference(r.access, r.size, next + r.disp)));
            pos += insn.get().length();
        }
        return out;
    }

    private record Operand(Access access, int size, int disp) {
    }

    /** Decodes the operand of one instruction, if it has a RIP-relative one. */
    static Optional<Operand> parse(byte[] code, int start, int length) {
        int i = start;
        int end = start + length;
        boolean opsize16 = false;
        while (i < end && isLegacyPrefix(code[i] & 0xff)) {
            opsize16 |= (code[i] & 0xff) == 0x66;
            i++;
        }
        int rex = 0;
        if (i < end && (code[i] & 0xf0) == 0x40) {
            rex = code[i++] & 0xff;
        }
        if (i >= end) {
            return Optional.empty();
        }
        int op = code[i++] & 0xff;
        boolean twoByte = op == 0x0f;
        if (twoByte) {
            if (i >= end) {
                return Optional.empty();
            }
            op = code[i++] & 0xff;
        }
        if (i + 5 > end || !hasModRm(op, twoByte)) {
            return Optional.empty();
        }
        int modrm = code[i] & 0xff;
        if ((modrm >> 6) != 0 || (modrm & 7) != 5) {
            return Optional.empty(); // not [rip+disp32]
        }
        int disp = (code[i + 1] & 0xff) | (code[i + 2] & 0xff) << 8 | (code[i + 3] & 0xff) << 16 | code[i + 4] << 24;
        int reg = (modrm >> 3) & 7;
        int wide = (rex & 8) != 0 ? 8 : opsize16 ? 2 : 4;
        return Optional.of(twoByte ? twoByteOperand(op, disp) : oneByteOperand(op, reg, wide, disp));
    }

    private static Operand oneByteOperand(int op, int reg, int wide, int disp) {
        boolean byteOp = (op & 1) == 0 && op != 0x8d && op != 0x63;
        int size = byteOp ? 1 : op == 0x63 ? 4 : wide;
        Access a = switch (op) {
            case 0x8d -> Access.LEA;
            // MOV, MOVSXD, and ALU ops that read memory into a register (ADD, OR, ADC, SBB, AND, SUB, XOR)
            case 0x8a, 0x8b, 0x63, 0x02, 0x03, 0x0a, 0x0b, 0x12, 0x13, 0x1a, 0x1b, 0x22, 0x23, 0x2a, 0x2b, 0x32, 0x33 -> Access.LOAD;
            case 0x88, 0x89, 0xc6, 0xc7 -> Access.STORE;
            case 0x38, 0x39, 0x3a, 0x3b -> Access.COMPARE;
            case 0x80, 0x81, 0x83 -> reg == 7 ? Access.COMPARE_IMMEDIATE : Access.OTHER;
            case 0xfe, 0xff -> reg == 0 ? Access.INCREMENT : Access.OTHER;
            default -> Access.OTHER;
        };
        return new Operand(a, size, disp);
    }

    private static Operand twoByteOperand(int op, int disp) {
        return switch (op) {
            case 0xb6, 0xbe -> new Operand(Access.LOAD, 1, disp); // movzx/movsx from a byte
            case 0xb7, 0xbf -> new Operand(Access.LOAD, 2, disp);
            default -> new Operand(Access.OTHER, 8, disp);
        };
    }

    private static boolean hasModRm(int op, boolean twoByte) {
        if (twoByte) {
            return op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf || op == 0xb0 || op == 0xb1 || op == 0xc1
                    || op == 0x10 || op == 0x11 || op == 0x2e || op == 0x2f || op == 0x59 || op == 0x58;
        }
        return (op < 0x40 && (op & 7) < 4) || op == 0x63 || (op >= 0x80 && op <= 0x8b) || op == 0x8d
                || op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7 || op == 0xfe || op == 0xff;
    }

    private static boolean isLegacyPrefix(int b) {
        return b == 0x66 || b == 0xf2 || b == 0xf3 || b == 0xf0 || b == 0x2e || b == 0x36 || b == 0x3e
                || b == 0x26 || b == 0x64 || b == 0x65 || b == 0x67;
    }
}
