package dev.gmpwatch.exporter.x86;

import dev.gmpwatch.exporter.code.DataRef;

/**
 * One decoded x86-64 instruction.
 *
 * @param offset      byte offset from the start of the decoded buffer
 * @param length      encoded length in bytes
 * @param mnemonic    lower-case Intel mnemonic, as binutils objdump -M intel prints it
 * @param kind        how a uprobe on it runs, or whether straight-line decoding must stop there
 * @param writes      bit i set when general-purpose register i (RAX=0 .. R15=15) is written
 * @param stackGuardCompare a CMP of a register with g.stackguard0/1, i.e. [R14+0x10] or [R14+0x18]
 * @param branchTarget target offset of a direct jump or call, relative to the buffer start
 * @param rip         its RIP-relative memory operand, null when it has none
 */
public record Instruction(int offset, int length, String mnemonic, Kind kind, int writes,
                          boolean stackGuardCompare, Long branchTarget, DataRef rip) {

    public enum Kind {
        /** The kernel emulates it at a uprobe: Jcc, JMP rel, CALL rel, NOP, PUSH reg. */
        EMULATED,
        /** Single-stepped at a uprobe; execution continues with the next instruction. */
        ORDINARY,
        /** Control leaves the straight line (RET, indirect jump, trap): decoding stops. */
        END
    }

    public boolean isJbe() {
        return mnemonic.equals("jbe");
    }

    public boolean isConditionalJump() {
        return kind == Kind.EMULATED && mnemonic.startsWith("j") && !mnemonic.equals("jmp");
    }
}
