package dev.gmpwatch.exporter.bpf;

import jnr.ffi.Pointer;

/** An attached probe. Closing it detaches the probe. */
public final class BpfLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("gmpwatch.bpf");
    private final BpfObject owner;
    private Pointer link;

    BpfLink(BpfObject owner, Pointer link) {
        this.owner = owner;
        this.link = link;
    }

    @Override
    public synchronized void close() {
        if (link == null) {
            return;
        }
        int rc = owner.lib().bpf_link__destroy(link);
        if (rc < 0) {
            LOG.log(System.Logger.Level.WARNING, "detaching a probe failed: " + Native.strerror(-rc));
        }
        link = null;
        owner.untrack(this);
    }
}
