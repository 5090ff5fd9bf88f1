package dev.gmpwatch.exporter.gobinary;

import java.util.List;

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
            "runtime.procresize");
}
