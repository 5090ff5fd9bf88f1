package dev.gmpwatch.exporter.bpf;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * Routes libbpf's log to our logger, and captures it while an object loads so that a failed load
 * carries the verifier log.
 */
final class LibBpfLog {
    private static final System.Logger LOG = System.getLogger("gmpwatch.libbpf");
    private static final int LIBBPF_WARN = 0;
    private static final int LIBBPF_INFO = 1;
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    /** Held for the life of the process: libbpf keeps calling it. */
    @SuppressWarnings("unused")
    private static Native.LibBpf.PrintFn callback;

    private LibBpfLog() {
    }

    static synchronized void install(Native.LibBpf lib) {
        if (callback == null) {
            callback = LibBpfLog::print;
            lib.libbpf_set_print(callback);
        }
    }

    /** Starts capturing this thread's libbpf output. */
    static void beginCapture() {
        CAPTURE.set(new StringBuilder());
    }

    /** Stops capturing and returns what libbpf printed since {@link #beginCapture()}. */
    static String endCapture() {
        StringBuilder sb = CAPTURE.get();
        CAPTURE.remove();
        return sb == null ? "" : sb.toString();
    }

    private static int print(int level, Pointer format, Pointer args) {
        byte[] buf = new byte[4096];
        int n = Native.libc().vsnprintf(buf, buf.length, format, args);
        String line = new String(buf, 0, Math.max(0, Math.min(n, buf.length - 1)), StandardCharsets.UTF_8);
        StringBuilder capture = CAPTURE.get();
        if (capture != null) {
            capture.append(line);
        }
        Level l = level == LIBBPF_WARN ? Level.WARNING : level == LIBBPF_INFO ? Level.INFO : Level.DEBUG;
        if (LOG.isLoggable(l)) {
            LOG.log(l, line.stripTrailing());
        }
        return 0;
    }
}
