package dev.gmpwatch.exporter.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gmpwatch.exporter.code.DataRef.Access;
import dev.gmpwatch.exporter.code.DataRef;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RIP-relative operands as the decoder gives them, on encodings taken from Go's own code (objdump
 * of runtime.schedtrace and friends); DecoderAgainstObjdumpTest checks every target in whole
 * binaries against objdump.
 */
class RipOperandTest {
    private static final long BASE = 0x457000;

    @Test
    void operandsAreDecodedWithAccessSizeAndAddress() {
        byte[] code = bytes(
                "48 8d 05 69 a9 13 00",       // lea rax,[rip+0x13a969]
                "8b 0d ae a9 13 00",          // mov ecx,DWORD PTR [rip+0x13a9ae]
                "48 2b 0d 7d a9 13 00",       // sub rcx,QWORD PTR [rip+0x13a97d]
                "48 63 05 23 8f 15 00",       // movsxd rax,DWORD PTR [rip+0x158f23]
                "0f b6 05 76 c6 18 00",       // movzx eax,BYTE PTR [rip+0x18c676]
                "ff 05 91 c5 18 00",          // inc DWORD PTR [rip+0x18c591]
                "48 89 0d 30 5d 14 00",       // mov QWORD PTR [rip+0x145d30],rcx
                "48 39 1d f0 59 14 00",       // cmp QWORD PTR [rip+0x1459f0],rbx
                "83 3d a9 61 16 00 00",       // cmp DWORD PTR [rip+0x1661a9],0x0
                "48 8b 44 24 08");            // mov rax,QWORD PTR [rsp+0x8]: not RIP-relative
        List<DataRef> refs = RipOperands.scan(code, BASE);
        assertEquals(List.of(
                new DataRef(Access.LEA, 8, BASE + 7 + 0x13a969),
                new DataRef(Access.LOAD, 4, BASE + 13 + 0x13a9ae),
                new DataRef(Access.LOAD, 8, BASE + 20 + 0x13a97d),
                new DataRef(Access.LOAD, 4, BASE + 27 + 0x158f23),
                new DataRef(Access.LOAD, 1, BASE + 34 + 0x18c676),
                new DataRef(Access.INCREMENT, 4, BASE + 40 + 0x18c591),
                new DataRef(Access.STORE, 8, BASE + 47 + 0x145d30),
                new DataRef(Access.COMPARE, 8, BASE + 54 + 0x1459f0),
                new DataRef(Access.COMPARE_IMMEDIATE, 4, BASE + 61 + 0x1661a9)), refs);
    }

    @Test
    void garbageNeverThrows() {
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] code = new byte[1 + r.nextInt(64)];
            r.nextBytes(code);
            RipOperands.scan(code, BASE); // any result is fine; an exception is not
        }
    }

    private static byte[] bytes(String... insns) {
        String hex = String.join(" ", insns).replace(" ", "");
        return java.util.HexFormat.of().parseHex(hex);
    }
}
