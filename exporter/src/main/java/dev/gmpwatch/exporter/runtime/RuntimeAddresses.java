package dev.gmpwatch.exporter.runtime;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.RuntimeLayout;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Where one process keeps the runtime state we read: the run-time addresses of the data symbols
 * (link-time address plus the load bias) and the field offsets of the binary's Go version.
 */
public final class RuntimeAddresses {
    private final Map<String, Long> globals;
    private final Map<String, Long> offsets;
    private final long bias;

    private RuntimeAddresses(Map<String, Long> globals, Map<String, Long> offsets, long bias) {
        this.globals = globals;
        this.offsets = offsets;
        this.bias = bias;
    }

    /** Fails with UNSUPPORTED, naming what is missing, when the binary lacks a symbol or layout we need. */
    public static RuntimeAddresses of(GoBinary bin, long loadBias) throws SnapshotException {
        RuntimeAddresses a = new RuntimeAddresses(bin.globals(), bin.layout().offsets(), loadBias);
        for (String g : new String[] {"runtime.sched", "runtime.allglen", "runtime.allgptr", "runtime.allp",
                "runtime.gomaxprocs", "runtime.memstats"}) {
            a.global(g);
        }
        List<String> missing = RuntimeLayout.missingForState(bin.layout().offsets());
        if (!missing.isEmpty()) {
            throw new SnapshotException(SnapshotException.Kind.UNSUPPORTED, bin.goVersion()
                    + ": no offsets for " + String.join(", ", missing) + " (neither DWARF nor a shipped table has them)");
        }
        return a;
    }

    /** The run-time address of a data symbol. */
    long global(String name) throws SnapshotException {
        Long link = globals.get(name);
        if (link == null) {
            throw new SnapshotException(SnapshotException.Kind.UNSUPPORTED, "no address for " + name
                    + (globals.isEmpty() ? " (stripped binary: no .symtab or DWARF)" : ""));
        }
        return link + bias;
    }

    long offset(String field) throws SnapshotException {
        Long off = offsets.get(field);
        if (off == null) {
            throw new SnapshotException(SnapshotException.Kind.UNSUPPORTED, "no offset for " + field + " in this Go version");
        }
        return off;
    }

    OptionalLong optionalOffset(String field) {
        Long off = offsets.get(field);
        return off == null ? OptionalLong.empty() : OptionalLong.of(off);
    }

    long loadBias() {
        return bias;
    }

    /** Buckets in a timeHistogram of this version: the underflow count follows them. */
    int histogramBuckets() throws SnapshotException {
        return (int) (offset("runtime.timeHistogram.underflow") / 8);
    }
}
