package dev.gmpwatch.exporter.bpf;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** Loads libbpf and libc once per process. */
final class Native {
    private static LibBpf libbpf;
    private static LibC libc;

    private Native() {
    }

    static synchronized LibBpf libbpf() {
        if (libbpf == null) {
            try {
                libbpf = LibraryLoader.create(LibBpf.class)
                        .search("/usr/lib/x86_64-linux-gnu")
                        .library("bpf")
                        .library("libbpf.so.1")
                        .failImmediately()
                        .load();
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                throw new BpfUnavailableException("cannot load libbpf (install libbpf1, e.g. with scripts/setup.sh): " + e.getMessage());
            }
            LibBpfLog.install(libbpf);
        }
        return libbpf;
    }

    static synchronized LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        }
        return libc;
    }

    static Runtime runtime() {
        return Runtime.getRuntime(libbpf());
    }

    static int lastErrno() {
        return LastError.getLastError(runtime());
    }

    /** libbpf's text for an error number, which also covers its own codes beyond errno. */
    static String strerror(int errno) {
        byte[] buf = new byte[256];
        libbpf().libbpf_strerror(errno, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
