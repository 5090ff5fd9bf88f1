package dev.gmpwatch.exporter.bpf;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;

/**
 * The native functions we call, loaded once per process. The interfaces are public only because
 * jnr-ffi implements them from another class loader; this package-private class hides them.
 */
final class Native {
    /** The libbpf functions gmpwatch calls, and nothing else. Loaded once by {@link Native}. */
    public interface LibBpf {
        /** libbpf_print_fn_t: (level, format, va_list). */
        interface PrintFn {
            @Delegate
            int print(int level, Pointer format, Pointer args);
        }

        Pointer bpf_object__open_mem(@In Pointer objBuf, @size_t long objBufSize, Pointer opts);

        int bpf_object__load(Pointer obj);

        @IgnoreError
        void bpf_object__close(Pointer obj);

        @IgnoreError
        Pointer bpf_object__find_program_by_name(Pointer obj, String name);

        @IgnoreError
        Pointer bpf_object__find_map_by_name(Pointer obj, String name);

        Pointer bpf_program__attach_uprobe_opts(Pointer prog, int pid, String binaryPath, @size_t long funcOffset,
                                                @In Pointer opts);

        Pointer bpf_program__attach(Pointer prog);

        int bpf_link__destroy(Pointer link);

        int bpf_map__lookup_elem(Pointer map, @In Pointer key, @size_t long keySize, @Out Pointer value,
                                 @size_t long valueSize, long flags);

        int bpf_map__update_elem(Pointer map, @In Pointer key, @size_t long keySize, @In Pointer value,
                                 @size_t long valueSize, long flags);

        int bpf_map__delete_elem(Pointer map, @In Pointer key, @size_t long keySize, long flags);

        int bpf_map__lookup_and_delete_elem(Pointer map, @In Pointer key, @size_t long keySize, @Out Pointer value,
                                            @size_t long valueSize, long flags);

        int bpf_map__get_next_key(Pointer map, @In Pointer curKey, @Out Pointer nextKey, @size_t long keySize);

        @IgnoreError
        int libbpf_strerror(int err, @Out byte[] buf, @size_t long size);

        @IgnoreError
        int libbpf_num_possible_cpus();

        @IgnoreError
        Pointer libbpf_set_print(PrintFn fn);
    }

    /** The one libc function we need: formatting libbpf's printf-style log lines. */
    public interface LibC {
        @IgnoreError
        int vsnprintf(@Out byte[] buf, @size_t long size, Pointer format, Pointer args);
    }

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
