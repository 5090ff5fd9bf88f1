package dev.gmpwatch.exporter.arm64;

import dev.gmpwatch.exporter.arm64.Arm64Instruction.Form;
import dev.gmpwatch.exporter.arm64.Arm64Instruction.Index;
import java.util.Optional;

/**
 * A decoder for the few AArch64 instruction forms through which Go code reaches globals and calls
 * functions: ADRP and ADR, ADD/SUB with an immediate, loads and stores of general registers
 * (single and pair; unsigned, unscaled, pre- and post-indexed offsets), load-acquire and
 * store-release, the LSE atomics, BL, B and RET. Every other word decodes to empty. Instructions are
 * 4 bytes, so an unknown one never hides the next.
 */
public final class Arm64Decoder {
    private static final String[] ATOMIC_OPS = {"add", "clr", "eor", "set", "smax", "smin", "umax", "umin"};

    private Arm64Decoder() {
    }

    /** Decodes the word at {@code offset} (a multiple of 4); empty when it is not one of the modelled forms. */
    public static Optional<Arm64Instruction> decode(byte[] code, int offset) {
        if (offset < 0 || offset + Arm64Instruction.LENGTH > code.length) {
            return Optional.empty();
        }
        int w = (code[offset] & 0xff) | (code[offset + 1] & 0xff) << 8 | (code[offset + 2] & 0xff) << 16
                | (code[offset + 3] & 0xff) << 24;
        return Optional.ofNullable(decodeWord(w, offset));
    }

    static Arm64Instruction decodeWord(int w, int at) {
        int rd = w & 31;
        int rn = (w >>> 5) & 31;
        if ((w & 0x1f000000) == 0x10000000) { // ADR, ADRP: op immlo 10000 immhi Rd
            long imm = signExtend(((w >>> 5) & 0x7ffff) << 2 | ((w >>> 29) & 3), 21);
            boolean page = w < 0;
            long target = page ? imm << 12 : at + imm; // ADRP's page depends on where the code is loaded: see target()
            return new Arm64Instruction(at, page ? Form.ADRP : Form.ADR, page ? "adrp" : "adr", rd, -1, -1, 8, target, Index.OFFSET, true);
        }
        if ((w & 0x1f800000) == 0x11000000) { // ADD/SUB (immediate): sf op S 100010 sh imm12 Rn Rd
            return addSub(w, at, rd, rn);
        }
        if ((w & 0xfc000000) == 0x94000000 || (w & 0xfc000000) == 0x14000000) { // BL, B imm26
            long target = at + (signExtend(w & 0x3ffffff, 26) << 2);
            boolean call = (w & 0x80000000) != 0;
            return new Arm64Instruction(at, call ? Form.CALL : Form.JUMP, call ? "bl" : "b", -1, -1, -1, 8, target, Index.OFFSET, true);
        }
        if (w == 0xd65f03c0) {
            return new Arm64Instruction(at, Form.RETURN, "ret", -1, -1, -1, 8, 0, Index.OFFSET, true);
        }
        if ((w & 0x3b000000) == 0x39000000) { // LDR/STR (unsigned immediate), general registers
            int size = (w >>> 30) & 3;
            return loadStore(w, at, rd, rn, size, (long) ((w >>> 10) & 0xfff) << size, Index.OFFSET, false);
        }
        if ((w & 0x3b200000) == 0x38000000) { // LDR/STR with a 9-bit signed offset: unscaled, post- or pre-indexed
            int kind = (w >>> 10) & 3;
            if (kind == 2) {
                return null; // unprivileged LDTR/STTR
            }
            Index index = kind == 0 ? Index.OFFSET : kind == 1 ? Index.POST : Index.PRE;
            return loadStore(w, at, rd, rn, (w >>> 30) & 3, signExtend((w >>> 12) & 0x1ff, 9), index, kind == 0);
        }
        if ((w & 0x3a000000) == 0x28000000) { // LDP/STP, general registers
            return pair(w, at, rd, rn);
        }
        if ((w & 0x3f000000) == 0x08000000) { // load/store exclusive and ordered
            return exclusive(w, at, rd, rn);
        }
        if ((w & 0x3f200c00) == 0x38200000) { // LSE atomic memory operations
            return atomic(w, at, rd, rn);
        }
        return null;
    }

    private static Arm64Instruction addSub(int w, int at, int rd, int rn) {
        boolean wide = w < 0;
        boolean sub = (w & 0x40000000) != 0;
        boolean flags = (w & 0x20000000) != 0;
        long imm = (long) ((w >>> 10) & 0xfff) << (((w >>> 22) & 1) * 12);
        String m = (sub ? "sub" : "add") + (flags ? "s" : "");
        if (flags && rd == 31) {
            m = sub ? "cmp" : "cmn";
        } else if (!flags && !sub && imm == 0 && (rd == 31 || rn == 31)) {
            m = "mov";
        }
        return new Arm64Instruction(at, Form.ADD_SUB, m, rd, rn, -1, wide ? 8 : 4, imm, Index.OFFSET, wide);
    }

    private static Arm64Instruction loadStore(int w, int at, int rt, int rn, int size, long offset, Index index, boolean unscaled) {
        int opc = (w >>> 22) & 3;
        if ((w & 0x04000000) != 0 || (size == 3 && opc >= 2) || (size == 2 && opc == 3)) {
            return null; // SIMD registers, PRFM
        }
        String suffix = size == 0 ? "b" : size == 1 ? "h" : "";
        String base = unscaled ? (opc == 0 ? "stur" : "ldur") : (opc == 0 ? "str" : "ldr");
        String m = base + (opc >= 2 ? "s" : "") + (opc >= 2 && size == 2 ? "w" : suffix);
        return new Arm64Instruction(at, opc == 0 ? Form.STORE : Form.LOAD, m, rt, rn, -1, 1 << size, offset, index, size == 3 || opc == 2);
    }

    private static Arm64Instruction pair(int w, int at, int rt, int rn) {
        int opc = (w >>> 30) & 3;
        int kind = (w >>> 23) & 7;
        boolean load = (w & 0x00400000) != 0;
        if ((w & 0x04000000) != 0 || opc == 3 || (opc == 1 && !load) || kind == 0) {
            return null; // SIMD, no-allocate pairs, STGP
        }
        int size = opc == 2 ? 8 : 4;
        Index index = kind == 1 ? Index.POST : kind == 3 ? Index.PRE : Index.OFFSET;
        String m = load ? (opc == 1 ? "ldpsw" : "ldp") : "stp";
        return new Arm64Instruction(at, load ? Form.LOAD : Form.STORE, m, rt, rn, (w >>> 10) & 31, size,
                signExtend((w >>> 15) & 0x7f, 7) * size, index, opc != 0);
    }

    /** LDAR, STLR, LDAXR, STLXR and their plain and byte/half forms; pairs and CAS are not modelled. */
    private static Arm64Instruction exclusive(int w, int at, int rt, int rn) {
        int size = 1 << ((w >>> 30) & 3);
        boolean load = (w & 0x00400000) != 0;
        boolean ordered = (w & 0x00800000) != 0; // LDAR/STLR rather than exclusive
        boolean acquireRelease = (w & 0x00008000) != 0;
        boolean pairOrCas = (w & 0x00200000) != 0;
        int rs = (w >>> 16) & 31;
        if (pairOrCas || (w & 0x7c00) != 0x7c00 || (ordered && (rs != 31 || !acquireRelease)) || (load && rs != 31)) {
            return null;
        }
        String suffix = size == 1 ? "b" : size == 2 ? "h" : "";
        String m;
        if (ordered) {
            m = (load ? "ldar" : "stlr") + suffix;
        } else if (load) {
            m = (acquireRelease ? "ldaxr" : "ldxr") + suffix;
        } else {
            m = (acquireRelease ? "stlxr" : "stxr") + suffix;
        }
        Form form = load ? Form.LOAD : Form.STORE;
        // a store-exclusive's status register goes in rt2, so that rd stays the transfer register
        return new Arm64Instruction(at, form, m, rt, rn, load || ordered ? -1 : rs, size, 0, Index.OFFSET, size == 8);
    }

    private static Arm64Instruction atomic(int w, int at, int rt, int rn) {
        int size = 1 << ((w >>> 30) & 3);
        boolean acquire = (w & 0x00800000) != 0;
        boolean release = (w & 0x00400000) != 0;
        int o3 = (w >>> 15) & 1;
        int opc = (w >>> 12) & 7;
        if ((w & 0x04000000) != 0 || (o3 == 1 && opc != 0)) {
            return null; // SIMD, LDAPR
        }
        String suffix = size == 1 ? "b" : size == 2 ? "h" : "";
        String order = (acquire ? "a" : "") + (release ? "l" : "");
        String m;
        if (o3 == 1) {
            m = "swp" + order + suffix;
        } else if (rt == 31 && !acquire) {
            m = "st" + ATOMIC_OPS[opc] + (release ? "l" : "") + suffix; // the result is discarded: STADD and friends
        } else {
            m = "ld" + ATOMIC_OPS[opc] + order + suffix;
        }
        return new Arm64Instruction(at, Form.ATOMIC, m, rt, rn, (w >>> 16) & 31, size, 0, Index.OFFSET, size == 8);
    }

    private static long signExtend(long value, int bits) {
        long shift = 64 - bits;
        return (value << shift) >> shift;
    }
}
