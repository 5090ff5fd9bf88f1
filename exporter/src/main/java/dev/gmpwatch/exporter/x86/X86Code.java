package dev.gmpwatch.exporter.x86;

import dev.gmpwatch.exporter.code.DataRef;
import dev.gmpwatch.exporter.code.InstructionSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** x86-64 code as the binary analysis sees it: RIP-relative operands, and CALL rel32 targets. */
public final class X86Code implements InstructionSet {
    public static final X86Code INSTANCE = new X86Code();

    private X86Code() {
    }

    @Override
    public List<DataRef> dataRefs(byte[] code, long base) {
        return RipOperands.scan(code, base);
    }

    @Override
    public List<Step> steps(byte[] code) {
        List<Step> out = new ArrayList<>();
        for (int pos = 0; pos < code.length; ) {
            Optional<Instruction> insn = X86Decoder.decode(code, pos);
            if (insn.isEmpty()) {
                break; // variable length: past an unknown instruction, boundaries are a guess
            }
            Instruction i = insn.get();
            out.add(new Step(pos, i.length(), i.mnemonic().equals("call") ? i.branchTarget() : null));
            pos += i.length();
        }
        return out;
    }
}
