package dev.gmpwatch.remediator.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for the servers the tests start. */
public final class Ports {
    private Ports() {
    }

    /** A port that was free on loopback a moment ago. */
    public static int free() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
