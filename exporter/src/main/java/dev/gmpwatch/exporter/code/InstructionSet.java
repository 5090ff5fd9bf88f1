package dev.gmpwatch.exporter.code;

import java.util.List;

/**
 * What the binary analysis asks of a machine's code, whatever the instruction set: the data a
 * function references (to recover globals in stripped binaries) and the calls it makes (to see
 * through compiler wrappers). Decoders model a few instruction forms; what they do not decode is
 * stepped over, never guessed.
 */
public interface InstructionSet {
    /** One decoded instruction: where it is and, for a direct call, its target (both buffer offsets). */
    record Step(int offset, int length, Long callTarget) {
    }

    /** The function's references to fixed addresses, in code order, at link-time addresses ({@code base} is the code's). */
    List<DataRef> dataRefs(byte[] code, long base);

    /** The straight-line instructions from the start of {@code code}, up to the first that does not decode. */
    List<Step> steps(byte[] code);
}
