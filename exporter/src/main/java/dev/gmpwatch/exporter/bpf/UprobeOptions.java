package dev.gmpwatch.exporter.bpf;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * struct bpf_uprobe_opts as libbpf 1.x declares it. libbpf checks {@code sz}, so fields added by
 * later versions stay zero and unseen.
 */
final class UprobeOptions extends Struct {
    final size_t sz = new size_t();
    final size_t refCtrOffset = new size_t();
    final u_int64_t bpfCookie = new u_int64_t();
    final Unsigned8 retprobe = new Unsigned8();
    final Pointer funcName = new Pointer();

    UprobeOptions(Runtime runtime, long cookie) {
        super(runtime);
        sz.set(Struct.size(this));
        bpfCookie.set(cookie);
    }
}
