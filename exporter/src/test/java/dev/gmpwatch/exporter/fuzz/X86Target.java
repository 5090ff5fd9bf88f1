package dev.gmpwatch.exporter.fuzz;

import dev.gmpwatch.exporter.x86.ProbeSiteSelector;
import dev.gmpwatch.exporter.x86.RipOperands;
import dev.gmpwatch.exporter.x86.X86Decoder;

/** Fuzz target: x86-64 code through the decoder, probe-site selection and the RIP-relative operand scan. */
public final class X86Target {
    private X86Target() {
    }

    public static void fuzzerTestOneInput(byte[] code) {
        for (int pos = 0; pos < code.length; ) {
            var insn = X86Decoder.decode(code, pos);
            if (insn.isEmpty()) {
                break;
            }
            if (insn.get().length() <= 0) {
                throw new IllegalStateException("decoder returned a zero-length instruction at " + pos);
            }
            pos += insn.get().length();
        }
        ProbeSiteSelector.select(code);
        RipOperands.scan(code, 0x401000L);
    }
}
