package dev.gmpwatch.exporter.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.x86.Instruction.Kind;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Encodings taken from Go prologues and binutils, decoded one at a time. */
class X86DecoderTest {
    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
        // bytes,              length, mnemonic, kind,     writes (register names)
        "493b6610,             4, cmp,    ORDINARY, ''",           // CMPQ SP, 0x10(R14)
        "0f8686030000,         6, jbe,    EMULATED, ''",
        "7604,                 2, jbe,    EMULATED, ''",
        "4c8d6424d0,           5, lea,    ORDINARY, r12",          // LEAQ -0x30(SP), R12
        "4c8da42458ffffff,     8, lea,    ORDINARY, r12",
        "4d3b6618,             4, cmp,    ORDINARY, ''",           // CMPQ R12, 0x18(R14)
        "4883ec40,             4, sub,    ORDINARY, rsp",
        "48896c2438,           5, mov,    ORDINARY, ''",           // store to the stack
        "488d6c2438,           5, lea,    ORDINARY, rbp",
        "4889442448,           5, mov,    ORDINARY, ''",
        "0fbae30c,             4, bt,     ORDINARY, ''",
        "90,                   1, nop,    EMULATED, ''",
        "0f1f00,               3, nop,    EMULATED, ''",
        "0f1f440000,           5, nop,    EMULATED, ''",
        "55,                   1, push,   EMULATED, ''",
        "4155,                 2, push,   EMULATED, ''",
        "4889e5,               3, mov,    ORDINARY, rbp",
        "498b5630,             4, mov,    ORDINARY, rdx",
        "8b1518430b00,         6, mov,    ORDINARY, rdx",          // RIP-relative load
        "ff8208010000,         6, inc,    ORDINARY, ''",
        "4d89f0,               3, mov,    ORDINARY, r8",
        "bb14000000,           5, mov,    ORDINARY, rbx",
        "48b88877665544332211, 10, movabs, ORDINARY, rax",
        "e8e46efdff,           5, call,   EMULATED, ''",
        "eb05,                 2, jmp,    EMULATED, ''",
        "c3,                   1, ret,    END,      ''",
        "cc,                   1, int3,   END,      ''",
        "40887c2478,           5, mov,    ORDINARY, ''",           // MOVB DI, 0x78(SP)
        "88e0,                 2, mov,    ORDINARY, rax",          // mov al, ah
        "4088e0,               3, mov,    ORDINARY, rax",          // mov al, spl (REX)
        "b4ff,                 2, mov,    ORDINARY, rax",          // mov ah, 0xff
        "40b7ff,               3, mov,    ORDINARY, rdi",          // mov dil, 0xff
        "4887d9,               3, xchg,   ORDINARY, 'rcx,rbx'",
        "4190,                 2, xchg,   ORDINARY, 'rax,r8'",
        "f390,                 2, pause,  ORDINARY, ''",
        "6690,                 2, xchg,   ORDINARY, ''",
        "48f7e1,               3, mul,    ORDINARY, 'rax,rdx'",
        "480fb10a,             4, cmpxchg, ORDINARY, rax",
        "66c7042a0100,         6, mov,    ORDINARY, ''",           // imm16 with the 0x66 prefix
        "c744240801000000,     8, mov,    ORDINARY, ''",
        "0f1000,               3, sse,    ORDINARY, ''",
    })
    void decodesLengthMnemonicKindAndWrites(String hex, int length, String mnemonic, Kind kind, String writes) {
        Instruction i = X86Decoder.decode(HexFormat.of().parseHex(hex), 0).orElseThrow();
        assertEquals(length, i.length(), "length");
        assertEquals(mnemonic, i.mnemonic(), "mnemonic");
        assertEquals(kind, i.kind(), "kind");
        assertEquals(writes, Registers.names(i.writes()), "registers written");
    }

    @Test
    void recognisesTheStackGuardCompareOnlyAgainstR14() {
        assertTrue(decode("493b6610").stackGuardCompare());
        assertTrue(decode("4d3b6618").stackGuardCompare());
        assertFalse(decode("483b6610").stackGuardCompare(), "[rsi+0x10] is not g.stackguard0");
        assertFalse(decode("493b6620").stackGuardCompare(), "[r14+0x20] is not a stack guard");
    }

    @Test
    void branchTargetsAreRelativeToTheBuffer() {
        assertEquals(0x10L + 2 + 4, X86Decoder.decode(HexFormat.of().parseHex("00".repeat(0x10) + "7604"), 0x10).orElseThrow().branchTarget());
    }

    @Test
    void operandSizePrefixMakesBranchesUnemulated() {
        assertTrue(X86Decoder.decode(HexFormat.of().parseHex("66e90100"), 0).isEmpty(), "jmp rel16 is rejected");
    }

    @Test
    void refusesWhatItDoesNotFullyUnderstand() {
        for (String hex : new String[] {"c5f877", "c4e27df7c0", "d9ee", "0f0b00ff", "62f1fd48", "0f38f0c0", "06"}) {
            boolean known = hex.equals("0f0b00ff"); // ud2 is known and ends decoding
            assertEquals(known, X86Decoder.decode(HexFormat.of().parseHex(hex), 0).isPresent(), hex);
        }
    }

    @Test
    void truncatedInstructionsDecodeToNothing() {
        assertTrue(X86Decoder.decode(HexFormat.of().parseHex("0f8686"), 0).isEmpty());
        assertTrue(X86Decoder.decode(HexFormat.of().parseHex("49"), 0).isEmpty());
    }

    private static Instruction decode(String hex) {
        return X86Decoder.decode(HexFormat.of().parseHex(hex), 0).orElseThrow();
    }
}
