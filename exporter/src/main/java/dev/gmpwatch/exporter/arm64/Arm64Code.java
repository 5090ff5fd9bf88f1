package dev.gmpwatch.exporter.arm64;

import dev.gmpwatch.exporter.arm64.Arm64Instruction.Form;
import dev.gmpwatch.exporter.arm64.Arm64Instruction.Index;
import dev.gmpwatch.exporter.code.DataRef;
import dev.gmpwatch.exporter.code.DataRef.Access;
import dev.gmpwatch.exporter.code.InstructionSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * AArch64 code as the binary analysis sees it. Go reaches a global with ADRP, which gives its 4 KB
 * page, then one instruction that adds the low 12 bits: an ADD for its address, or a load or store
 * at that offset. The address may then serve as the base of further accesses (atomics, fields),
 * and newer compilers may add an offset with a second ADD. So the scan follows registers that hold
 * a known address for a few instructions, forgetting one when anything else may write it.
 */
public final class Arm64Code implements InstructionSet {
    public static final Arm64Code INSTANCE = new Arm64Code();
    /** A known address is forgotten after this many instructions: Go uses one next to where it made it. */
    private static final int HORIZON = 12;
    /**
     * The assembler's scratch register, which the compiler never allocates: an address made in it
     * is the middle of one load or store (ADRP, ADD, LDR for a far offset), not an address taken.
     */
    private static final int REGTMP = 27;

    private Arm64Code() {
    }

    @Override
    public List<DataRef> dataRefs(byte[] code, long base) {
        List<DataRef> out = new ArrayList<>();
        long[] known = new long[32];
        int[] madeAt = new int[32];
        java.util.Arrays.fill(madeAt, Integer.MIN_VALUE);
        for (int pos = 0; pos + Arm64Instruction.LENGTH <= code.length; pos += Arm64Instruction.LENGTH) {
            int at = pos;
            Optional<Arm64Instruction> d = Arm64Decoder.decode(code, pos);
            java.util.function.IntPredicate holds = r -> r >= 0 && r < 31 && madeAt[r] != Integer.MIN_VALUE
                    && at - madeAt[r] <= HORIZON * Arm64Instruction.LENGTH;
            if (d.isEmpty()) {
                forget(madeAt, code, pos); // an unknown instruction may write its Rd (bits 4:0)
                continue;
            }
            Arm64Instruction i = d.get();
            switch (i.form()) {
                case ADRP, ADR -> remember(known, madeAt, i.rd(), i.target(base), at);
                case ADD_SUB -> {
                    boolean addressOp = i.wide() && holds.test(i.rn()) && !i.mnemonic().startsWith("cmp")
                            && !i.mnemonic().startsWith("cmn") && !i.mnemonic().endsWith("s");
                    if (addressOp) {
                        long a = known[i.rn()] + i.signedImmediate();
                        if (i.rd() != REGTMP) {
                            out.add(new DataRef(Access.LEA, 8, a));
                        }
                        remember(known, madeAt, i.rd(), a, madeAt[i.rn()]);
                    } else if (!i.mnemonic().equals("cmp") && !i.mnemonic().equals("cmn")) {
                        madeAt[i.rd()] = Integer.MIN_VALUE;
                    }
                }
                case LOAD, STORE, ATOMIC -> memory(i, known, madeAt, holds, out);
                // a call clobbers the argument and temporary registers; past a jump the registers are another path's
                case CALL, JUMP, RETURN -> java.util.Arrays.fill(madeAt, Integer.MIN_VALUE);
            }
        }
        return out;
    }

    private static void memory(Arm64Instruction i, long[] known, int[] madeAt, java.util.function.IntPredicate holds, List<DataRef> out) {
        if (holds.test(i.rn())) {
            long a = known[i.rn()] + (i.index() == Index.POST ? 0 : i.imm());
            int n = i.rt2() >= 0 && i.form() != Form.ATOMIC && !i.mnemonic().contains("x") ? 2 : 1;
            for (int k = 0; k < n; k++) {
                long target = a + (long) k * i.size();
                switch (i.form()) {
                    case LOAD -> out.add(new DataRef(Access.LOAD, i.size(), target));
                    case STORE -> out.add(new DataRef(Access.STORE, i.size(), target));
                    default -> out.add(new DataRef(i.mnemonic().matches("(ld|st)add.*") ? Access.INCREMENT : Access.OTHER, i.size(), target));
                }
            }
            if (i.index() != Index.OFFSET) {
                known[i.rn()] += i.imm(); // write-back moves the base
            }
        }
        if (i.form() == Form.LOAD || i.form() == Form.ATOMIC && !i.mnemonic().startsWith("st")) {
            madeAt[i.rd()] = Integer.MIN_VALUE;
            if (i.rt2() >= 0 && i.form() == Form.LOAD) {
                madeAt[i.rt2()] = Integer.MIN_VALUE;
            }
        } else if (i.form() == Form.STORE && i.mnemonic().contains("x")) {
            madeAt[i.rt2()] = Integer.MIN_VALUE; // the status register of a store-exclusive
        }
    }

    private static void remember(long[] known, int[] madeAt, int r, long address, int at) {
        if (r < 31) {
            known[r] = address;
            madeAt[r] = at;
        }
    }

    private static void forget(int[] madeAt, byte[] code, int pos) {
        madeAt[code[pos] & 31] = Integer.MIN_VALUE;
    }

    @Override
    public List<Step> steps(byte[] code) {
        List<Step> out = new ArrayList<>();
        for (int pos = 0; pos + Arm64Instruction.LENGTH <= code.length; pos += Arm64Instruction.LENGTH) {
            Optional<Arm64Instruction> d = Arm64Decoder.decode(code, pos);
            Long call = d.filter(i -> i.form() == Form.CALL).map(i -> i.imm()).orElse(null);
            out.add(new Step(pos, Arm64Instruction.LENGTH, call));
        }
        return out;
    }
}
