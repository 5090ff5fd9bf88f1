package dev.gmpwatch.exporter.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.Test;

/** The jnr mirror of struct bpf_uprobe_opts must match libbpf 1.x's layout on x86-64. */
class UprobeOptionsTest {
    @Test
    void layoutMatchesLibbpf() {
        UprobeOptions o = new UprobeOptions(Runtime.getSystemRuntime(), 42);
        assertEquals(40, Struct.size(o), "sizeof(struct bpf_uprobe_opts)");
        assertEquals(0, o.sz.offset());
        assertEquals(8, o.refCtrOffset.offset());
        assertEquals(16, o.bpfCookie.offset());
        assertEquals(24, o.retprobe.offset());
        assertEquals(32, o.funcName.offset());
        assertEquals(40, o.sz.get(), "sz is filled in");
        assertEquals(42, o.bpfCookie.get());
    }

    @Test
    void attachHintsNameTheUsualCause() {
        assertEquals("run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE", BpfAttachException.hintFor(1));
        assertEquals("the process has exited", BpfAttachException.hintFor(3));
        assertEquals("", BpfAttachException.hintFor(12345));
    }
}
