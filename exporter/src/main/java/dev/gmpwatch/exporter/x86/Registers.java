package dev.gmpwatch.exporter.x86;

/** General-purpose register numbers as x86-64 encodes them, and masks over them. */
public final class Registers {
    public static final int RAX = 0;
    public static final int RCX = 1;
    public static final int RDX = 2;
    public static final int RBX = 3;
    public static final int RSP = 4;
    public static final int RBP = 5;
    public static final int RSI = 6;
    public static final int RDI = 7;
    public static final int R14 = 14;

    private static final String[] NAMES = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    /**
     * What a probe on a Go function reads: the register-ABI argument registers
     * (RAX, RBX, RCX, RDI, RSI, R8-R11) and the current g in R14.
     */
    public static final int PROBE_INPUTS = bit(RAX) | bit(RBX) | bit(RCX) | bit(RDI) | bit(RSI)
            | bit(8) | bit(9) | bit(10) | bit(11) | bit(R14);

    private Registers() {
    }

    public static int bit(int reg) {
        return 1 << reg;
    }

    /** Comma-separated names of the registers in a mask, e.g. "rax,r14". */
    public static String names(int mask) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < 16; r++) {
            if ((mask & bit(r)) != 0) {
                sb.append(sb.length() == 0 ? "" : ",").append(NAMES[r]);
            }
        }
        return sb.toString();
    }
}
