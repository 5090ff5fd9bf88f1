package dev.gmpwatch.exporter.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Prologues copied from real Go binaries (go tool objdump), and crafted edge cases. */
class ProbeSiteSelectorTest {
    @Test
    void choosesTheStackCheckJbeOfASmallFrame() {
        // Go 1.19 runtime.newproc1: CMPQ SP, 0x10(R14); JBE; SUBQ $0x48, SP
        ProbeSite s = select("493b6610" + "0f8686030000" + "4883ec48");
        assertEquals(4, s.offset());
        assertEquals(ProbeSite.Mode.EMULATED, s.mode());
        assertEquals("jbe", s.mnemonic());
        assertTrue(s.stackCheckBranch());
    }

    @Test
    void choosesTheStackCheckJbeOfALargerFrame() {
        // Go 1.26 runtime.procresize: LEAQ -0xa8(SP), R12; CMPQ R12, 0x10(R14); JBE
        ProbeSite s = select("4c8da42458ffffff" + "4d3b6610" + "0f86390d0000");
        assertEquals(12, s.offset());
        assertTrue(s.stackCheckBranch());
    }

    @Test
    void skipsArgumentSpillsToTheFirstNopInCasgstatusOfGo119() {
        // SUBQ; MOVQ BP,..; LEAQ ..,BP; MOVQ AX,..; MOVL BX,..; MOVL CX,..; BTL $0xc, BX; NOP; JB
        ProbeSite s = select("4883ec40" + "48896c2438" + "488d6c2438" + "4889442448" + "895c2450" + "894c2454"
                + "0fbae30c" + "90" + "720a");
        assertEquals(0x1f, s.offset());
        assertEquals("nop", s.mnemonic());
        assertEquals(ProbeSite.Mode.EMULATED, s.mode());
        assertFalse(s.stackCheckBranch());
    }

    @Test
    void takesAPushAtTheEntry() {
        ProbeSite s = select("55" + "4889e5" + "4883ec58");
        assertEquals(0, s.offset());
        assertEquals(ProbeSite.Mode.EMULATED, s.mode());
    }

    @Test
    void fallsBackToTheEntryWhenAnArgumentRegisterIsWrittenFirst() {
        ProbeSite s = select("4889d8" + "90"); // MOVQ BX, AX; NOP
        assertEquals(0, s.offset());
        assertEquals(ProbeSite.Mode.SINGLESTEP, s.mode());
        assertTrue(s.reason().contains("rax"), s.reason());
    }

    @Test
    void fallsBackToTheEntryWhenR14IsWrittenFirst() {
        ProbeSite s = select("4d31f6" + "90"); // XORQ R14, R14; NOP
        assertEquals(ProbeSite.Mode.SINGLESTEP, s.mode());
        assertTrue(s.reason().contains("r14"), s.reason());
    }

    @Test
    void fallsBackToTheEntryOnAnyByteItDoesNotUnderstand() {
        ProbeSite s = select("4883ec08" + "c5f877" + "90"); // SUB; VZEROUPPER (VEX); NOP
        assertEquals(0, s.offset());
        assertEquals(ProbeSite.Mode.SINGLESTEP, s.mode());
        assertEquals("sub", s.mnemonic());
        assertTrue(s.reason().contains("0xc5"), s.reason());
    }

    @Test
    void fallsBackWhenTheFunctionReturnsBeforeAnyEmulatedInstruction() {
        ProbeSite s = select("31c0" + "c3"); // XORL AX, AX; RET -- writes rax first anyway
        assertEquals(ProbeSite.Mode.SINGLESTEP, s.mode());
        s = select("4883c408" + "c3" + "90"); // ADDQ $8, SP; RET; NOP
        assertEquals(ProbeSite.Mode.SINGLESTEP, s.mode());
        assertTrue(s.reason().startsWith("ret"), s.reason());
    }

    @Test
    void skipsTheOverflowCheckOfAHugeFrameBecauseItRunsAgainAfterMorestack() {
        // MOVQ SP, R12; SUBQ $0x2000, R12; JB morestack; CMPQ R12, 0x10(R14); JBE morestack
        ProbeSite s = select("4989e4" + "4981ec00200000" + "7209" + "4d3b6610" + "7604");
        assertEquals(3 + 7 + 2 + 4, s.offset());
        assertEquals("jbe", s.mnemonic());
        assertTrue(s.stackCheckBranch());
    }

    @Test
    void rejectsASiteThatALaterBranchJumpsBackTo() {
        // 0: SUB $8, SP; 4: NOP; 5: INC (mem); b: JMP back to +4 (a loop over the NOP)
        ProbeSite s = select("4883ec08" + "90" + "ff8208010000" + "ebf7");
        assertEquals(ProbeSite.Mode.SINGLESTEP, s.mode());
        assertTrue(s.reason().contains("+0xb"), s.reason());
    }

    @Test
    void acceptsTheMorestackJumpBackToTheEntryAtAStackCheckJbe() {
        // 0: CMP; 4: JBE +6 -> c; 6: SUB; a: RET... c: CALL morestack; 11: JMP 0
        ProbeSite s = select("493b6610" + "7606" + "4883ec48" + "c390" + "e800000000" + "ebed");
        assertEquals(ProbeSite.Mode.EMULATED, s.mode(), s.reason());
        assertEquals(4, s.offset());
    }

    @Test
    void anEmptyFunctionIsSingleStepped() {
        assertEquals(ProbeSite.Mode.SINGLESTEP, ProbeSiteSelector.select(new byte[0]).mode());
    }

    private static ProbeSite select(String hex) {
        return ProbeSiteSelector.select(HexFormat.of().parseHex(hex));
    }
}
