package dev.gmpwatch.exporter.fuzz;

import dev.gmpwatch.exporter.arm64.Arm64Code;
import dev.gmpwatch.exporter.arm64.Arm64Decoder;

/** Fuzz target: AArch64 code through the decoder, its objdump-style text, and the data-reference and call scans. */
public final class Arm64Target {
    private Arm64Target() {
    }

    public static void fuzzerTestOneInput(byte[] code) {
        for (int pos = 0; pos + 4 <= code.length; pos += 4) {
            Arm64Decoder.decode(code, pos).ifPresent(i -> i.text(0x10000L));
        }
        Arm64Code.INSTANCE.dataRefs(code, 0x10000L);
        Arm64Code.INSTANCE.steps(code);
    }
}
