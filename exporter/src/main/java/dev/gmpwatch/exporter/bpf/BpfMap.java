package dev.gmpwatch.exporter.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** A map of a loaded {@link BpfObject}. */
public final class BpfMap {
    private final Native.LibBpf lib;
    private final Pointer map;
    private final String name;

    BpfMap(Native.LibBpf lib, Pointer map, String name) {
        this.lib = lib;
        this.map = map;
        this.name = name;
    }

    /** Number of possible CPUs: a per-CPU map holds one value for each. */
    public static int possibleCpus() {
        int n = Native.libbpf().libbpf_num_possible_cpus();
        if (n <= 0) {
            throw new IllegalStateException("cannot read the number of possible CPUs: " + Native.strerror(-n));
        }
        return n;
    }

    /**
     * Looks up a u32 key in a per-CPU map. The result holds one value per possible CPU, each
     * padded to 8 bytes, little-endian.
     */
    public ByteBuffer lookupPerCpu(int key, int valueSize) throws BpfMapException {
        int stride = (valueSize + 7) & ~7;
        int total = stride * possibleCpus();
        Pointer k = Memory.allocate(Native.runtime(), 4);
        k.putInt(0, key);
        Pointer v = Memory.allocate(Native.runtime(), total);
        int rc = lib.bpf_map__lookup_elem(map, k, 4, v, total, 0);
        if (rc < 0) {
            throw new BpfMapException("lookup key " + key + " in " + name, rc);
        }
        byte[] out = new byte[total];
        v.get(0, out, 0, total);
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    public String name() {
        return name;
    }
}
