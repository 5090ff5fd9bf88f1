package dev.gmpwatch.e2e;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Reads server states from HAProxy's runtime API, as an operator would check them. */
final class Haproxy {
    private Haproxy() {
    }

    /** srv_admin_state by server name for one backend (0: in rotation; bit 0: forced maintenance). */
    static Map<String, Integer> adminStates(Path socket, String backend) throws IOException {
        String answer;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("show servers state " + backend + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (ch.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    throw new IOException("answer larger than 64 KiB");
                }
            }
            answer = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        }
        Map<String, Integer> states = new HashMap<>();
        for (String line : answer.split("\n")) {
            String[] f = line.strip().split(" ");
            // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...
            if (f.length > 6 && !line.startsWith("#") && f[1].equals(backend)) {
                states.put(f[3], Integer.parseInt(f[6]));
            }
        }
        return states;
    }
}
