package dev.gmpwatch.exporter.x86;

import dev.gmpwatch.exporter.code.DataRef.Access;
import dev.gmpwatch.exporter.code.DataRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RIP-relative operands: what the decoder's instructions do with them, and every one in a
 * function's code. Go reaches each package-level variable this way, so these name the variables a
 * function uses even in a stripped binary.
 */
public final class RipOperands {
    private RipOperands() {
    }

    /**
     * The RIP-relative operands of a function's code, in order, at link-time addresses
     * ({@code base} is the code's); bytes that do not decode are stepped over one at a time.
     */
    public static List<DataRef> scan(byte[] code, long base) {
        List<DataRef> out = new ArrayList<>();
        for (int pos = 0; pos < code.length; ) {
            Optional<Instruction> insn = X86Decoder.decode(code, pos);
            if (insn.isEmpty()) {
                pos++; // resynchronise on undecoded bytes (data in text, or an opcode we do not model)
                continue;
            }
            if (insn.get().rip() != null) {
                out.add(insn.get().rip().at(base));
            }
            pos += insn.get().length();
        }
        return out;
    }

    /**
     * A one-byte opcode's operand.
     *
     * @param reg  the ModRM reg field (the opcode extension of groups 1 and 5)
     * @param wide the operand size of a non-byte form: 8 with REX.W, 2 with 0x66, else 4
     */
    static DataRef oneByte(int op, int reg, int wide, long target) {
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
        return new DataRef(a, size, target);
    }

    /** A two-byte (0x0f) opcode's operand. */
    static DataRef twoByte(int op, long target) {
        return switch (op) {
            case 0xb6, 0xbe -> new DataRef(Access.LOAD, 1, target); // movzx/movsx from a byte
            case 0xb7, 0xbf -> new DataRef(Access.LOAD, 2, target);
            default -> new DataRef(Access.OTHER, 8, target);
        };
    }
}
