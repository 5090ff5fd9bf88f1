package dev.gmpwatch.exporter.code;

/**
 * A reference from code to a fixed address: how Go code reaches every package-level variable (an
 * x86-64 RIP-relative operand, an AArch64 ADRP pair), so the references of a function name the
 * variables it uses even in a stripped binary.
 *
 * @param size   access size in bytes (1, 2, 4 or 8)
 * @param target the referenced address: relative to the decoded buffer's start, or at link time after {@link #at}
 */
public record DataRef(Access access, int size, long target) {
    /** What an instruction does with the referenced memory. */
    public enum Access { LEA, LOAD, STORE, COMPARE, COMPARE_IMMEDIATE, INCREMENT, OTHER }

    /** The same reference with its target at a link-time address: the buffer starts at {@code base}. */
    public DataRef at(long base) {
        return new DataRef(access, size, base + target);
    }
}
