package dev.gmpwatch.exporter.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A loaded BPF object (programs and maps). Close it to detach every link and free the kernel
 * objects; links made from it are closed first.
 */
public final class BpfObject implements AutoCloseable {
    private final Native.LibBpf lib;
    private final Pointer obj;
    private final Pointer image;
    private final String name;
    private final List<BpfLink> links = new ArrayList<>();
    private boolean closed;

    private BpfObject(Native.LibBpf lib, Pointer obj, Pointer image, String name) {
        this.lib = lib;
        this.obj = obj;
        this.image = image;
        this.name = name;
    }

    /** Opens and loads an object embedded in the jar, e.g. "/bpf/scheduler.bpf.o". */
    public static BpfObject loadResource(String resource) throws BpfOpenException, BpfLoadException {
        byte[] bytes;
        try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("BPF object " + resource + " is missing from the jar (was bpf/ built?)");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
        return load(bytes, resource);
    }

    /** Opens and loads an ELF BPF object from memory. */
    public static BpfObject load(byte[] elf, String name) throws BpfOpenException, BpfLoadException {
        Native.LibBpf lib = Native.libbpf();
        Pointer image = Memory.allocateDirect(Native.runtime(), elf.length);
        image.put(0, elf, 0, elf.length);
        Pointer obj = lib.bpf_object__open_mem(image, elf.length, null);
        if (obj == null) {
            throw new BpfOpenException("open " + name, Native.lastErrno());
        }
        LibBpfLog.beginCapture();
        int rc = lib.bpf_object__load(obj);
        String log = LibBpfLog.endCapture();
        if (rc < 0) {
            lib.bpf_object__close(obj);
            throw new BpfLoadException("load " + name, rc, log);
        }
        return new BpfObject(lib, obj, image, name);
    }

    public BpfProgram program(String programName) {
        checkOpen();
        Pointer p = lib.bpf_object__find_program_by_name(obj, programName);
        if (p == null) {
            throw new IllegalArgumentException(name + " has no program " + programName);
        }
        return new BpfProgram(this, p, programName);
    }

    public BpfMap map(String mapName) {
        checkOpen();
        Pointer m = lib.bpf_object__find_map_by_name(obj, mapName);
        if (m == null) {
            throw new IllegalArgumentException(name + " has no map " + mapName);
        }
        return new BpfMap(lib, m, mapName);
    }

    synchronized void track(BpfLink link) {
        links.add(link);
    }

    synchronized void untrack(BpfLink link) {
        links.remove(link);
    }

    Native.LibBpf lib() {
        return lib;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (BpfLink l : new ArrayList<>(links)) {
            l.close();
        }
        lib.bpf_object__close(obj);
        closed = true;
        // image is released with this object; keep the reference until here.
        image.hashCode();
    }
}
