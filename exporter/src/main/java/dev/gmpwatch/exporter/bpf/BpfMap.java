package dev.gmpwatch.exporter.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** A map of a loaded {@link BpfObject}. Keys and values are raw little-endian bytes. */
public final class BpfMap {
    private static final int ENOENT = 2;

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

    /** The sum of a per-CPU u64 value, as lookupPerCpu returns it. */
    public static long sumPerCpu(ByteBuffer perCpu) {
        long s = 0;
        for (int off = 0; off + 8 <= perCpu.capacity(); off += 8) {
            s += perCpu.getLong(off);
        }
        return s;
    }

    /** A u32 key, as array maps take. */
    public static byte[] u32(int key) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(key).array();
    }

    /**
     * Looks up a u32 key in a per-CPU map. The result holds one value per possible CPU, each
     * padded to 8 bytes, little-endian.
     */
    public ByteBuffer lookupPerCpu(int key, int valueSize) throws BpfMapException {
        int stride = (valueSize + 7) & ~7;
        return lookup(u32(key), stride * possibleCpus())
                .orElseThrow(() -> new BpfMapException("lookup key " + key + " in " + name, ENOENT));
    }

    /** The value for a key, or empty when the key is absent. */
    public Optional<ByteBuffer> lookup(byte[] key, int valueSize) throws BpfMapException {
        Pointer k = bytes(key);
        Pointer v = Memory.allocate(Native.runtime(), valueSize);
        int rc = lib.bpf_map__lookup_elem(map, k, key.length, v, valueSize, 0);
        if (rc == -ENOENT) {
            return Optional.empty();
        }
        if (rc < 0) {
            throw new BpfMapException("lookup in " + name, rc);
        }
        byte[] out = new byte[valueSize];
        v.get(0, out, 0, valueSize);
        return Optional.of(ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN));
    }

    public void update(byte[] key, byte[] value) throws BpfMapException {
        int rc = lib.bpf_map__update_elem(map, bytes(key), key.length, bytes(value), value.length, 0);
        if (rc < 0) {
            throw new BpfMapException("update in " + name, rc);
        }
    }

    /** Deletes a key; false when it was not there. */
    public boolean delete(byte[] key) throws BpfMapException {
        int rc = lib.bpf_map__delete_elem(map, bytes(key), key.length, 0);
        if (rc == -ENOENT) {
            return false;
        }
        if (rc < 0) {
            throw new BpfMapException("delete in " + name, rc);
        }
        return true;
    }

    /** Pushes a value onto a queue map. */
    public void push(byte[] value) throws BpfMapException {
        int rc = lib.bpf_map__update_elem(map, null, 0, bytes(value), value.length, 0);
        if (rc < 0) {
            throw new BpfMapException("push onto " + name, rc);
        }
    }

    /** Pops a value from a queue map; empty when the queue is empty. */
    public Optional<ByteBuffer> pop(int valueSize) throws BpfMapException {
        Pointer v = Memory.allocate(Native.runtime(), valueSize);
        int rc = lib.bpf_map__lookup_and_delete_elem(map, null, 0, v, valueSize, 0);
        if (rc == -ENOENT) {
            return Optional.empty();
        }
        if (rc < 0) {
            throw new BpfMapException("pop from " + name, rc);
        }
        byte[] out = new byte[valueSize];
        v.get(0, out, 0, valueSize);
        return Optional.of(ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Every key of a hash map (a snapshot: entries may come and go meanwhile). */
    public List<byte[]> keys(int keySize) throws BpfMapException {
        List<byte[]> out = new ArrayList<>();
        Pointer cur = null;
        Pointer next = Memory.allocate(Native.runtime(), keySize);
        while (true) {
            int rc = lib.bpf_map__get_next_key(map, cur, next, keySize);
            if (rc == -ENOENT) {
                return out;
            }
            if (rc < 0) {
                throw new BpfMapException("iterate " + name, rc);
            }
            byte[] k = new byte[keySize];
            next.get(0, k, 0, keySize);
            out.add(k);
            cur = bytes(k);
        }
    }

    public String name() {
        return name;
    }

    private static Pointer bytes(byte[] b) {
        Pointer p = Memory.allocate(Native.runtime(), b.length);
        p.put(0, b, 0, b.length);
        return p;
    }
}
