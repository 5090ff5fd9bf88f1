package dev.gmpwatch.exporter.x86;

import dev.gmpwatch.exporter.x86.Instruction.Kind;
import java.util.Optional;

/**
 * Chooses the cheapest exact uprobe site in a function: the first instruction the kernel emulates,
 * when no instruction before it writes a register the probe reads. Otherwise the entry, which the
 * kernel must single-step (about 40x slower in our measurements).
 */
public final class ProbeSiteSelector {
    /** Prologues are short; past this many instructions we stop looking. */
    private static final int MAX_INSTRUCTIONS = 48;
    /** How far past a Jcc to look for the stack-guard CMP that marks a large-frame prologue. */
    private static final int GUARD_LOOKAHEAD = 2;

    private ProbeSiteSelector() {
    }

    /** @param code the function's bytes from its entry (at most its size) */
    public static ProbeSite select(byte[] code) {
        ProbeSite site = selectInPrologue(code);
        if (site.mode() == ProbeSite.Mode.EMULATED) {
            Optional<Integer> branch = branchBackIntoPrologue(code, site);
            if (branch.isPresent()) {
                return entry(code, "the branch at +0x" + Integer.toHexString(branch.get()) + " re-runs the prologue");
            }
        }
        return site;
    }

    /**
     * A direct jump or call after the site that lands on or before it would run the probe twice
     * in one call. The morestack path back to the entry is expected at a stack-check JBE, which
     * counts only its not-taken pass. The scan stops at the first instruction it cannot decode.
     */
    private static Optional<Integer> branchBackIntoPrologue(byte[] code, ProbeSite site) {
        int pos = site.offset();
        while (pos < code.length) {
            Optional<Instruction> decoded = X86Decoder.decode(code, pos);
            if (decoded.isEmpty()) {
                return Optional.empty();
            }
            Instruction insn = decoded.get();
            Long target = insn.branchTarget();
            boolean morestackReturn = site.stackCheckBranch() && target != null && target == 0;
            if (pos > site.offset() && target != null && target >= 0 && target <= site.offset() && !morestackReturn) {
                return Optional.of(pos);
            }
            pos += insn.length();
        }
        return Optional.empty();
    }

    /**
     * The site where a function holds the result of its first call to the function at
     * {@code calleeOffset} (bytes from this function's entry): the first emulated instruction after
     * that call, with nothing between writing RAX, where ABIInternal returns it. Empty when the
     * call is not there, RAX is overwritten first, or a branch leads back between the call and the
     * site (a branch to the call or before it makes another call, so another hit is right).
     */
    public static Optional<ProbeSite> afterCall(byte[] code, long calleeOffset) {
        int pos = 0;
        while (pos < code.length) {
            Optional<Instruction> decoded = X86Decoder.decode(code, pos);
            if (decoded.isEmpty()) {
                return Optional.empty();
            }
            Instruction insn = decoded.get();
            pos += insn.length();
            if (insn.mnemonic().equals("call") && insn.branchTarget() != null && insn.branchTarget() == calleeOffset) {
                return firstEmulatedKeepingRax(code, pos);
            }
        }
        return Optional.empty();
    }

    private static Optional<ProbeSite> firstEmulatedKeepingRax(byte[] code, int from) {
        int pos = from;
        for (int n = 0; n < MAX_INSTRUCTIONS && pos < code.length; n++) {
            Optional<Instruction> decoded = X86Decoder.decode(code, pos);
            if (decoded.isEmpty() || decoded.get().kind() == Kind.END) {
                return Optional.empty();
            }
            Instruction insn = decoded.get();
            if (insn.kind() == Kind.EMULATED) {
                return branchInto(code, from, pos) ? Optional.empty()
                        : Optional.of(new ProbeSite(pos, ProbeSite.Mode.EMULATED, insn.mnemonic(), false, ""));
            }
            if ((insn.writes() & Registers.bit(Registers.RAX)) != 0) {
                return Optional.empty();
            }
            pos += insn.length();
        }
        return Optional.empty();
    }

    /** Whether a direct branch anywhere in the function lands in [from, to]. */
    private static boolean branchInto(byte[] code, int from, int to) {
        int pos = 0;
        while (pos < code.length) {
            Optional<Instruction> decoded = X86Decoder.decode(code, pos);
            if (decoded.isEmpty()) {
                return false; // past the code (padding): what was decoded had no such branch
            }
            Long target = decoded.get().branchTarget();
            if (target != null && target >= from && target <= to && !(pos >= from && pos < to)) {
                return true;
            }
            pos += decoded.get().length();
        }
        return false;
    }

    private static ProbeSite selectInPrologue(byte[] code) {
        Instruction previous = null;
        int pos = 0;
        for (int n = 0; n < MAX_INSTRUCTIONS && pos < code.length; n++) {
            Optional<Instruction> decoded = X86Decoder.decode(code, pos);
            if (decoded.isEmpty()) {
                return entry(code, String.format("undecoded byte 0x%02x at +0x%x", code[pos] & 0xff, pos));
            }
            Instruction insn = decoded.get();
            if (insn.kind() == Kind.EMULATED && !isLargeFrameOverflowCheck(code, insn)) {
                boolean stackCheck = insn.isJbe() && previous != null && previous.stackGuardCompare();
                return new ProbeSite(pos, ProbeSite.Mode.EMULATED, insn.mnemonic(), stackCheck, "");
            }
            if (insn.kind() == Kind.END) {
                return entry(code, insn.mnemonic() + " at +0x" + Integer.toHexString(pos) + " before any emulated instruction");
            }
            int clobbered = insn.writes() & Registers.PROBE_INPUTS;
            if (clobbered != 0) {
                return entry(code, insn.mnemonic() + " at +0x" + Integer.toHexString(pos) + " writes " + Registers.names(clobbered));
            }
            previous = insn;
            pos += insn.length();
        }
        return entry(code, "no emulated instruction in the prologue");
    }

    /**
     * Frames over StackBig start with "SUB $n, R12; JCS morestack; CMP R12, stackguard; JBE".
     * That first Jcc re-runs after the stack grows, so it would count twice: skip it.
     */
    private static boolean isLargeFrameOverflowCheck(byte[] code, Instruction jcc) {
        if (!jcc.isConditionalJump() || jcc.isJbe()) {
            return false;
        }
        int pos = jcc.offset() + jcc.length();
        for (int i = 0; i < GUARD_LOOKAHEAD && pos < code.length; i++) {
            Optional<Instruction> next = X86Decoder.decode(code, pos);
            if (next.isEmpty()) {
                return false;
            }
            if (next.get().stackGuardCompare()) {
                return true;
            }
            pos += next.get().length();
        }
        return false;
    }

    private static ProbeSite entry(byte[] code, String reason) {
        String mnemonic = code.length == 0 ? "(none)"
                : X86Decoder.decode(code, 0).map(Instruction::mnemonic).orElse("(unknown)");
        return new ProbeSite(0, ProbeSite.Mode.SINGLESTEP, mnemonic, false, reason);
    }
}
