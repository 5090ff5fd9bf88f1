package dev.gmpwatch.exporter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fetches a fixture's own /debug/pprof profile over one HTTP/1.0 connection that closes with the
 * response, so the fixture keeps no connection goroutine of ours afterwards.
 */
public final class RuntimeProfiles {
    private RuntimeProfiles() {
    }

    public static byte[] fetch(String hostPort, String path) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))), 10_000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: " + hostPort + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes();
            int body = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = new String(all, 0, Math.max(body, 0), StandardCharsets.ISO_8859_1);
            if (body < 0 || !head.startsWith("HTTP/1.") || !head.split(" ")[1].equals("200")) {
                throw new IOException("GET " + path + " from " + hostPort + " answered: " + head.lines().findFirst().orElse("nothing"));
            }
            return Arrays.copyOfRange(all, body + 4, all.length);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
