package dev.gmpwatch.exporter.x86;

import dev.gmpwatch.exporter.x86.Instruction.Kind;
import dev.gmpwatch.exporter.code.DataRef;
import java.util.Optional;

/**
 * An exact decoder for the general-purpose x86-64 instructions that appear in Go function
 * prologues. It knows each instruction's length and which registers it writes. Anything outside
 * its tables (VEX, x87, rare opcodes) decodes to empty, so callers never guess a boundary.
 */
public final class X86Decoder {
    private static final int MAX_LENGTH = 15;
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    private static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", null, "sar"};
    private static final String[] JCC = {"jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
        "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg"};
    private static final String[] CMOV = {"cmovo", "cmovno", "cmovb", "cmovae", "cmove", "cmovne", "cmovbe", "cmova",
        "cmovs", "cmovns", "cmovp", "cmovnp", "cmovl", "cmovge", "cmovle", "cmovg"};
    private static final String[] SETCC = {"seto", "setno", "setb", "setae", "sete", "setne", "setbe", "seta",
        "sets", "setns", "setp", "setnp", "setl", "setge", "setle", "setg"};

    private X86Decoder() {
    }

    /** Decodes the instruction at {@code offset}; empty when the bytes are not fully understood. */
    public static Optional<Instruction> decode(byte[] code, int offset) {
        try {
            return Optional.ofNullable(new Decoding(code, offset).run());
        } catch (ArrayIndexOutOfBoundsException e) {
            return Optional.empty(); // the instruction runs past the end of the buffer
        }
    }

    /** The state of decoding one instruction. */
    private static final class Decoding {
        private final byte[] code;
        private final int start;
        private int p;
        private int rex;
        private boolean opsize16;
        private boolean legacyPrefix;
        private boolean rep;
        // ModRM fields
        private int mod;
        private int regField;
        private int rmField;
        private int memBase = -1;
        private boolean hasSib;
        private int disp;
        /** Where the disp32 of a RIP-relative operand sits; -1 when there is none. */
        private int ripDispAt = -1;
        // result
        private String mnemonic;
        private Kind kind = Kind.ORDINARY;
        private int writes;
        private Long target;

        Decoding(byte[] code, int start) {
            this.code = code;
            this.start = start;
            this.p = start;
        }

        Instruction run() {
            readPrefixes();
            int op = u8();
            boolean twoByteOp = op == 0x0f;
            if (twoByteOp) {
                op = u8();
            }
            boolean ok = twoByteOp ? twoByte(op) : oneByte(op);
            if (!ok || p - start > MAX_LENGTH) {
                return null;
            }
            boolean guardCmp = mnemonic.equals("cmp") && isStackGuardOperand();
            DataRef rip = ripDispAt < 0 ? null : twoByteOp ? RipOperands.twoByte(op, ripTarget())
                    : RipOperands.oneByte(op, regField & 7, (rex & 8) != 0 ? 8 : opsize16 ? 2 : 4, ripTarget());
            return new Instruction(start, p - start, mnemonic, kind, writes, guardCmp, target, rip);
        }

        /** RIP-relative operands count from the end of the instruction, immediates included. */
        private long ripTarget() {
            int d = (code[ripDispAt] & 0xff) | (code[ripDispAt + 1] & 0xff) << 8 | (code[ripDispAt + 2] & 0xff) << 16
                    | code[ripDispAt + 3] << 24;
            return (long) p + d;
        }

        private void readPrefixes() {
            while (true) {
                int b = code[p] & 0xff;
                switch (b) {
                    case 0x66 -> opsize16 = true;
                    case 0xf2, 0xf3 -> rep = true;
                    case 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x67 -> { }
                    default -> {
                        if ((b & 0xf0) == 0x40) {
                            rex = b;
                            p++;
                        }
                        return;
                    }
                }
                legacyPrefix = true;
                p++;
            }
        }

        private boolean oneByte(int op) {
            if (op < 0x40 && (op & 7) < 6) {
                return alu(op >> 3, op & 7);
            }
            if (op >= 0x50 && op <= 0x57) {
                mnemonic = "push";
                kind = !legacyPrefix && (rex == 0 || rex == 0x41) ? Kind.EMULATED : Kind.ORDINARY;
                return true;
            }
            if (op >= 0x58 && op <= 0x5f) {
                return set("pop", opReg(op), false);
            }
            if (op >= 0x70 && op <= 0x7f) {
                return branch(JCC[op & 0xf], rel(1));
            }
            if (op >= 0x91 && op <= 0x97) {
                return set("xchg", Registers.bit(Registers.RAX) | opReg(op), false);
            }
            if (op >= 0xb0 && op <= 0xb7) {
                p += 1;
                return set("mov", byteReg(op & 7, rex & 1), false);
            }
            if (op >= 0xb8 && op <= 0xbf) {
                p += (rex & 8) != 0 ? 8 : immz();
                return set((rex & 8) != 0 ? "movabs" : "mov", opReg(op), false);
            }
            switch (op) {
                case 0x63: modrm(); return set("movsxd", regWrite(false), false);
                case 0x68: p += immz(); return set("push", 0, false);
                case 0x6a: p += 1; return set("push", 0, false);
                case 0x69: modrm(); p += immz(); return set("imul", regWrite(false), false);
                case 0x6b: modrm(); p += 1; return set("imul", regWrite(false), false);
                case 0x80: modrm(); p += 1; return group1(true);
                case 0x81: modrm(); p += immz(); return group1(false);
                case 0x83: modrm(); p += 1; return group1(false);
                case 0x84: modrm(); return set("test", 0, false);
                case 0x85: modrm(); return set("test", 0, false);
                case 0x86: modrm(); return set("xchg", regWrite(true) | rmWrite(true), false);
                case 0x87: modrm(); return set("xchg", regWrite(false) | rmWrite(false), false);
                case 0x88: modrm(); return set("mov", rmWrite(true), false);
                case 0x89: modrm(); return set("mov", rmWrite(false), false);
                case 0x8a: modrm(); return set("mov", regWrite(true), false);
                case 0x8b: modrm(); return set("mov", regWrite(false), false);
                case 0x8d: modrm(); return mod != 3 && set("lea", regWrite(false), false);
                case 0x8f: modrm(); return (regField & 7) == 0 && set("pop", rmWrite(false), false);
                case 0x90: return nop90();
                case 0x98: return set(cwdeName(), Registers.bit(Registers.RAX), false);
                case 0x99: return set(cdqName(), Registers.bit(Registers.RDX), false);
                case 0xa8: p += 1; return set("test", 0, false);
                case 0xa9: p += immz(); return set("test", 0, false);
                case 0xc0: modrm(); p += 1; return shift(true);
                case 0xc1: modrm(); p += 1; return shift(false);
                case 0xd0, 0xd2: modrm(); return shift(true);
                case 0xd1, 0xd3: modrm(); return shift(false);
                case 0xc2: p += 2; return set("ret", 0, true);
                case 0xc3: return set("ret", 0, true);
                case 0xc6: modrm(); p += 1; return (regField & 7) == 0 && set("mov", rmWrite(true), false);
                case 0xc7: modrm(); p += immz(); return (regField & 7) == 0 && set("mov", rmWrite(false), false);
                case 0xc9: return set("leave", 0, false);
                case 0xcc: return set("int3", 0, true);
                case 0xf4: return set("hlt", 0, true);
                case 0xe8: return branch("call", rel(4));
                case 0xe9: return branch("jmp", rel(4));
                case 0xeb: return branch("jmp", rel(1));
                case 0xf6: modrm(); return group3(true);
                case 0xf7: modrm(); return group3(false);
                case 0xfe: modrm(); return group45(true);
                case 0xff: modrm(); return group45(false);
                default: return false;
            }
        }

        private boolean twoByte(int op) {
            if (op >= 0x80 && op <= 0x8f) {
                return branch(JCC[op & 0xf], rel(4));
            }
            if (op >= 0x40 && op <= 0x4f) {
                modrm();
                return set(CMOV[op & 0xf], regWrite(false), false);
            }
            if (op >= 0x90 && op <= 0x9f) {
                modrm();
                return set(SETCC[op & 0xf], rmWrite(true), false);
            }
            if (op >= 0xc8 && op <= 0xcf) {
                return set("bswap", opReg(op), false);
            }
            switch (op) {
                case 0x05: return set("syscall", Registers.bit(Registers.RCX) | Registers.bit(11) | Registers.bit(Registers.RAX), true);
                case 0x0b: return set("ud2", 0, true);
                case 0x1f:
                    modrm();
                    if ((regField & 7) != 0) {
                        return false;
                    }
                    mnemonic = "nop";
                    kind = opsize16 || rep ? Kind.ORDINARY : Kind.EMULATED;
                    return true;
                case 0x18: modrm(); return set("prefetch", 0, false);
                case 0x10, 0x11, 0x28, 0x29, 0x2e, 0x2f, 0x54, 0x57, 0x58, 0x59, 0x5c, 0x5e, 0x6e, 0x6f, 0x7f, 0xd6, 0xef:
                    modrm(); return set("sse", 0, false); // XMM destinations: no general-purpose register written
                case 0x7e: modrm(); return set("movq", opsize16 && !rep ? rmWrite(false) : 0, false);
                case 0x31: return set("rdtsc", Registers.bit(Registers.RAX) | Registers.bit(Registers.RDX), false);
                case 0xa2: return set("cpuid", 0xf, false);
                case 0xa3: modrm(); return set("bt", 0, false);
                case 0xab: modrm(); return set("bts", rmWrite(false), false);
                case 0xb3: modrm(); return set("btr", rmWrite(false), false);
                case 0xbb: modrm(); return set("btc", rmWrite(false), false);
                case 0xa4, 0xac: modrm(); p += 1; return set(op == 0xa4 ? "shld" : "shrd", rmWrite(false), false);
                case 0xa5, 0xad: modrm(); return set(op == 0xa5 ? "shld" : "shrd", rmWrite(false), false);
                case 0xaf: modrm(); return set("imul", regWrite(false), false);
                case 0xb0: modrm(); return set("cmpxchg", rmWrite(true) | Registers.bit(Registers.RAX), false);
                case 0xb1: modrm(); return set("cmpxchg", rmWrite(false) | Registers.bit(Registers.RAX), false);
                case 0xb6, 0xb7: modrm(); return set("movzx", regWrite(false), false);
                case 0xbe, 0xbf: modrm(); return set("movsx", regWrite(false), false);
                case 0xbc: modrm(); return set(rep ? "tzcnt" : "bsf", regWrite(false), false);
                case 0xbd: modrm(); return set(rep ? "lzcnt" : "bsr", regWrite(false), false);
                case 0xba: modrm(); p += 1; return group8();
                case 0xc0: modrm(); return set("xadd", regWrite(true) | rmWrite(true), false);
                case 0xc1: modrm(); return set("xadd", regWrite(false) | rmWrite(false), false);
                default: return false;
            }
        }

        private boolean alu(int which, int form) {
            boolean writes = which != 7; // cmp writes only flags
            switch (form) {
                case 0: modrm(); return set(ALU[which], writes ? rmWrite(true) : 0, false);
                case 1: modrm(); return set(ALU[which], writes ? rmWrite(false) : 0, false);
                case 2: modrm(); return set(ALU[which], writes ? regWrite(true) : 0, false);
                case 3: modrm(); return set(ALU[which], writes ? regWrite(false) : 0, false);
                case 4: p += 1; return set(ALU[which], writes ? Registers.bit(Registers.RAX) : 0, false);
                default: p += immz(); return set(ALU[which], writes ? Registers.bit(Registers.RAX) : 0, false);
            }
        }

        private boolean group1(boolean byteOp) {
            int which = regField & 7;
            return set(ALU[which], which == 7 ? 0 : rmWrite(byteOp), false);
        }

        private boolean shift(boolean byteOp) {
            String name = SHIFT[regField & 7];
            return name != null && set(name, rmWrite(byteOp), false);
        }

        private boolean group3(boolean byteOp) {
            switch (regField & 7) {
                case 0, 1: p += byteOp ? 1 : immz(); return set("test", 0, false);
                case 2: return set("not", rmWrite(byteOp), false);
                case 3: return set("neg", rmWrite(byteOp), false);
                default:
                    int mulDiv = Registers.bit(Registers.RAX) | (byteOp ? 0 : Registers.bit(Registers.RDX));
                    return set(new String[] {"mul", "imul", "div", "idiv"}[(regField & 7) - 4], mulDiv, false);
            }
        }

        private boolean group45(boolean byteOp) {
            switch (regField & 7) {
                case 0: return set("inc", rmWrite(byteOp), false);
                case 1: return set("dec", rmWrite(byteOp), false);
                case 2: return !byteOp && set("call", 0, true);
                case 4: return !byteOp && set("jmp", 0, true);
                case 6: return !byteOp && set("push", 0, false);
                default: return false;
            }
        }

        private boolean group8() {
            switch (regField & 7) {
                case 4: return set("bt", 0, false);
                case 5: return set("bts", rmWrite(false), false);
                case 6: return set("btr", rmWrite(false), false);
                case 7: return set("btc", rmWrite(false), false);
                default: return false;
            }
        }

        private boolean nop90() {
            if ((rex & 1) != 0) {
                return set("xchg", Registers.bit(Registers.RAX) | Registers.bit(8), false);
            }
            if (rep) {
                return set("pause", 0, false);
            }
            mnemonic = opsize16 ? "xchg" : "nop";
            kind = opsize16 ? Kind.ORDINARY : Kind.EMULATED;
            return true;
        }

        /** Direct jumps and calls: emulated unless an operand-size prefix changes their meaning. */
        private boolean branch(String name, long rel) {
            mnemonic = name;
            target = p + rel;
            kind = opsize16 ? Kind.ORDINARY : Kind.EMULATED;
            return !opsize16;
        }

        private long rel(int size) {
            long v = size == 1 ? code[p] : (code[p] & 0xff) | (code[p + 1] & 0xff) << 8
                    | (code[p + 2] & 0xff) << 16 | (long) code[p + 3] << 24;
            p += size;
            return v;
        }

        private boolean set(String name, int writeMask, boolean ends) {
            if (ends && rex != 0) {
                return false; // REX on RET/INT3/HLT means nothing; binutils splits it off, so do not guess
            }
            mnemonic = name;
            writes = writeMask;
            kind = ends ? Kind.END : Kind.ORDINARY;
            return true;
        }

        private void modrm() {
            int m = u8();
            mod = m >> 6;
            regField = ((m >> 3) & 7) | ((rex & 4) << 1);
            rmField = m & 7;
            if (mod == 3) {
                rmField |= (rex & 1) << 3;
                return;
            }
            int base = rmField;
            if (rmField == 4) {
                hasSib = true;
                int sib = u8();
                base = sib & 7;
                if (mod == 0 && base == 5) {
                    p += 4;
                    base = -1;
                }
            } else if (mod == 0 && rmField == 5) {
                ripDispAt = p;
                p += 4; // RIP-relative
                base = -1;
            }
            if (mod == 1) {
                disp = code[p];
                p += 1;
            } else if (mod == 2) {
                p += 4;
            }
            memBase = base < 0 ? -1 : base | ((rex & 1) << 3);
        }

        /** CMP r, [R14+0x10|0x18]: Go's stack-bound check against g.stackguard0 or stackguard1. */
        private boolean isStackGuardOperand() {
            return mod == 1 && !hasSib && memBase == Registers.R14 && (disp == 0x10 || disp == 0x18);
        }

        private int regWrite(boolean byteOp) {
            return byteOp ? byteReg(regField & 7, (regField >> 3) & 1) : Registers.bit(regField);
        }

        private int rmWrite(boolean byteOp) {
            if (mod != 3) {
                return 0;
            }
            return byteOp ? byteReg(rmField & 7, (rmField >> 3) & 1) : Registers.bit(rmField);
        }

        /** Without REX, byte registers 4-7 are AH, CH, DH, BH: parts of RAX, RCX, RDX, RBX. */
        private int byteReg(int low3, int ext) {
            if (rex == 0 && low3 >= 4) {
                return Registers.bit(low3 - 4);
            }
            return Registers.bit(low3 | (ext << 3));
        }

        private int opReg(int op) {
            return Registers.bit((op & 7) | ((rex & 1) << 3));
        }

        private int immz() {
            return opsize16 ? 2 : 4;
        }

        private String cwdeName() {
            return (rex & 8) != 0 ? "cdqe" : opsize16 ? "cbw" : "cwde";
        }

        private String cdqName() {
            return (rex & 8) != 0 ? "cqo" : opsize16 ? "cwd" : "cdq";
        }

        private int u8() {
            return code[p++] & 0xff;
        }
    }
}
