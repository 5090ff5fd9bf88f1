package dev.gmpwatch.exporter.host;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** The effective capabilities of this process, from /proc/self/status. */
public final class Capabilities {
    private static final int CAP_SYS_PTRACE = 19;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;

    private Capabilities() {
    }

    /**
     * Names of the capabilities the exporter needs and lacks; empty when it has them all. Reading
     * other processes' memory needs CAP_SYS_PTRACE; the per-event probes add CAP_BPF and CAP_PERFMON.
     */
    public static List<String> missing(Procfs proc, boolean probes) {
        BigInteger eff;
        try {
            eff = Files.readAllLines(proc.selfStatus()).stream().filter(l -> l.startsWith("CapEff:"))
                    .map(l -> new BigInteger(l.substring(7).strip(), 16)).findFirst().orElse(BigInteger.ZERO);
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        boolean admin = eff.testBit(CAP_SYS_ADMIN);
        if (probes && !eff.testBit(CAP_BPF) && !admin) {
            out.add("CAP_BPF");
        }
        if (probes && !eff.testBit(CAP_PERFMON) && !admin) {
            out.add("CAP_PERFMON");
        }
        if (!eff.testBit(CAP_SYS_PTRACE)) {
            out.add("CAP_SYS_PTRACE");
        }
        return out;
    }
}
