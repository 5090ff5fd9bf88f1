package dev.gmpwatch.exporter.arm64;

/**
 * One decoded AArch64 instruction of the forms {@link Arm64Decoder} models.
 *
 * @param offset   byte offset from the start of the decoded buffer
 * @param form     what kind of instruction it is
 * @param mnemonic as binutils objdump prints it (its preferred alias: "cmp", "mov")
 * @param rd       the destination, or the transfer register of a load or store (31 is SP or ZR by form)
 * @param rn       the base register of a memory access, or the source of an ADD/SUB
 * @param rt2      the second transfer register of LDP/STP, else -1
 * @param size     the bytes each register moves to or from memory (1, 2, 4 or 8); 8 for ADRP and ADD/SUB on X registers, 4 on W
 * @param imm      the memory offset, ADD/SUB immediate (shift applied), ADR/branch target relative to the buffer
 *                 start, or ADRP's distance from its own 4 KB page to the target's (see {@link #target})
 * @param index    how a memory access updates its base
 * @param wide     its general registers are X (64-bit) rather than W
 */
public record Arm64Instruction(int offset, Form form, String mnemonic, int rd, int rn, int rt2, int size, long imm,
                               Index index, boolean wide) {
    public static final int LENGTH = 4;
    /** Register 31 as a base or ADD operand: the stack pointer. */
    public static final int SP = 31;

    public enum Form {
        /** ADRP: rd = the 4 KB page at imm. */
        ADRP,
        /** ADR: rd = imm. */
        ADR,
        /** ADD/SUB (immediate), and the flag-setting forms; CMP and CMN when rd is ZR. */
        ADD_SUB,
        /** A load of one or two registers. */
        LOAD,
        /** A store of one or two registers. */
        STORE,
        /** An LSE atomic read-modify-write of memory (LDADD, LDSET, SWP, ...). */
        ATOMIC,
        /** BL: a direct call to imm. */
        CALL,
        /** B: a direct jump to imm. */
        JUMP,
        /** RET. */
        RETURN
    }

    public enum Index { OFFSET, PRE, POST }

    /** An ADRP, ADR or branch target at link time, the buffer starting at {@code base}. */
    public long target(long base) {
        return form == Form.ADRP ? ((base + offset) & ~0xfffL) + imm : base + imm;
    }

    /** ADD/SUB's amount: positive for ADD, negative for SUB. */
    public long signedImmediate() {
        return mnemonic.startsWith("sub") || mnemonic.equals("cmp") ? -imm : imm;
    }

    /** A load, store or atomic: it reads or writes memory at rn + imm (rn after the update for PRE). */
    public boolean accessesMemory() {
        return form == Form.LOAD || form == Form.STORE || form == Form.ATOMIC;
    }

    /** The instruction as binutils objdump prints it, branch targets at link-time addresses ({@code base} is the buffer's). */
    public String text(long base) {
        String hex = Long.toHexString(target(base));
        return switch (form) {
            case ADRP, ADR -> mnemonic + "\t" + x(rd) + ", " + hex;
            case CALL, JUMP -> mnemonic + "\t" + hex;
            case RETURN -> mnemonic;
            case ADD_SUB -> addSubText();
            case ATOMIC -> mnemonic + "\t" + reg(rt2, wide) + (mnemonic.startsWith("st") ? "" : ", " + reg(rd, wide)) + ", [" + x(rn) + "]";
            case LOAD, STORE -> memoryText();
        };
    }

    private String addSubText() {
        String d = mnemonic.equals("cmp") || mnemonic.equals("cmn") ? "" : (mnemonic.endsWith("s") ? reg(rd, wide) : spOr(rd)) + ", ";
        if (mnemonic.equals("mov")) {
            return "mov\t" + d + spOr(rn);
        }
        boolean shifted = imm != 0 && (imm & 0xfff) == 0;
        return mnemonic + "\t" + d + spOr(rn) + ", #0x" + Long.toHexString(shifted ? imm >> 12 : imm) + (shifted ? ", lsl #12" : "");
    }

    private String memoryText() {
        String regs = rt2 >= 0 && !mnemonic.contains("x") ? reg(rd, wide) + ", " + reg(rt2, wide)
                : rt2 >= 0 ? reg(rt2, false) + ", " + reg(rd, wide) : reg(rd, wide);
        String b = "[" + x(rn);
        return mnemonic + "\t" + regs + ", " + switch (index) {
            case OFFSET -> b + (imm == 0 ? "]" : ", #" + imm + "]");
            case PRE -> b + ", #" + imm + "]!";
            case POST -> b + "], #" + imm;
        };
    }

    private String spOr(int r) {
        return r == SP ? (wide ? "sp" : "wsp") : reg(r, wide);
    }

    private static String x(int r) {
        return r == SP ? "sp" : "x" + r;
    }

    private static String reg(int r, boolean wide) {
        return r == 31 ? (wide ? "xzr" : "wzr") : (wide ? "x" : "w") + r;
    }
}
