package dev.gmpwatch.exporter.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;

/** The libbpf functions gmpwatch calls, and nothing else. Loaded once by {@link Native}. */
interface LibBpf {
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

    int bpf_link__destroy(Pointer link);

    int bpf_map__lookup_elem(Pointer map, @In Pointer key, @size_t long keySize, @Out Pointer value,
                             @size_t long valueSize, long flags);

    @IgnoreError
    int libbpf_strerror(int err, @Out byte[] buf, @size_t long size);

    @IgnoreError
    int libbpf_num_possible_cpus();

    @IgnoreError
    Pointer libbpf_set_print(PrintFn fn);
}
