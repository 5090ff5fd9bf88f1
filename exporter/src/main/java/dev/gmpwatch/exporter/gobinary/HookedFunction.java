package dev.gmpwatch.exporter.gobinary;

import java.util.List;
import java.util.Map;

/**
 * A runtime function the exporter probes, located in one binary.
 *
 * @param address     virtual address of the entry
 * @param fileOffset  file offset of the entry
 * @param probeOffset file offset of the chosen probe site (what uprobe attach takes)
 */
public record HookedFunction(String name, long address, long fileOffset, long probeOffset, String probeMode,
                             String instruction, boolean stackCheckBranch, String reason) {

    /**
     * The runtime functions gmpwatch hooks, in the order tools print them. runtime.goready is
     * often inlined away; runtime.ready, which it runs on the system stack, always remains.
     */
    public static final List<String> NAMES = List.of(
            "runtime.newproc1",
            "runtime.casgstatus",
            "runtime.goexit1",
            "runtime.gopark",
            "runtime.goready",
            "runtime.ready",
            "runtime.stopTheWorldWithSema",
            "runtime.startTheWorldWithSema",
            "runtime.procresize",
            "runtime.runqputslow",
            "runtime.runqsteal");

    /**
     * Functions probed where they hold a callee's result rather than at their entry: runqsteal
     * returns nil exactly when runqgrab grabbed nothing, and the instruction after that call is
     * one the kernel emulates, where a RET would be single-stepped.
     */
    public static final Map<String, String> RESULT_OF = Map.of("runtime.runqsteal", "runtime.runqgrab");
}
