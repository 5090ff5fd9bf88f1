package dev.gmpwatch.exporter.x86;

/**
 * Where to put a uprobe in one function.
 *
 * @param offset            bytes from the function entry; always an instruction boundary
 * @param mode              whether the kernel emulates the probed instruction or single-steps it
 * @param mnemonic          the instruction at the probe
 * @param stackCheckBranch  the probe sits on the JBE of the stack-check prologue: count a call
 *                          only when the branch is not taken (CF and ZF clear)
 * @param reason            why the entry was chosen, for single-stepped sites; empty otherwise
 */
public record ProbeSite(int offset, Mode mode, String mnemonic, boolean stackCheckBranch, String reason) {
    public enum Mode {
        EMULATED, SINGLESTEP;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
