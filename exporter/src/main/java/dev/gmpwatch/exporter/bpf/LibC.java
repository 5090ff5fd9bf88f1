package dev.gmpwatch.exporter.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;

/** The one libc function we need: formatting libbpf's printf-style log lines. */
interface LibC {
    @IgnoreError
    int vsnprintf(@Out byte[] buf, @size_t long size, Pointer format, Pointer args);
}
