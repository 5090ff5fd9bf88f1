package dev.gmpwatch.exporter.probe;

import dev.gmpwatch.exporter.bpf.BpfLink;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import java.util.List;

/**
 * A process whose probes are attached.
 *
 * @param slot      its index in the BPF per-target arrays
 * @param exe       base name of the executable, for the exe label
 * @param probeMode "emulated" when every probe is emulated, else "singlestep"
 * @param stealsProbed whether its steal attempts are counted: the binary has the site where
 *                     runqsteal holds runqgrab's result
 */
public record WatchedProcess(long pid, int slot, String exe, GoBinary binary, String probeMode,
                             List<BpfLink> links, boolean stealsProbed) {
}
