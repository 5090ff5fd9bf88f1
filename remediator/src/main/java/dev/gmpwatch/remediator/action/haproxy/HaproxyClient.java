package dev.gmpwatch.remediator.action.haproxy;

import dev.gmpwatch.remediator.policy.Template;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HAProxy runtime API, one command per connection (HAProxy closes the connection after
 * answering). Names are checked again here: a space or newline could start a second command.
 */
public final class HaproxyClient {
    /** One line of "show servers state". */
    public record ServerState(String backend, String server, int operationalState, int adminState) {
        /** Administratively forced into maintenance (SRV_ADMF_FMAINT). */
        public boolean inMaint() {
            return (adminState & 0x01) != 0;
        }

        /** Forced to drain (SRV_ADMF_FDRAIN). */
        public boolean draining() {
            return (adminState & 0x08) != 0;
        }

        /** Up and not administratively taken out. */
        public boolean healthy() {
            return operationalState == 2 && adminState == 0;
        }
    }

    private final HaproxyEndpoint endpoint;

    public HaproxyClient(HaproxyEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** set server B/S state maint|drain|ready; returns HAProxy's answer (empty on success). */
    public String setState(String backend, String server, String state) throws IOException {
        checkName(backend);
        checkName(server);
        if (!List.of("maint", "drain", "ready").contains(state)) {
            throw new IllegalArgumentException("unknown state " + state);
        }
        return command("set server " + backend + "/" + server + " state " + state).strip();
    }

    public List<ServerState> serversState(String backend) throws IOException {
        checkName(backend);
        String out = command("show servers state " + backend);
        if (out.isEmpty()) { // HAProxy always answers this with at least its header line
            throw new IOException("HAProxy " + endpoint.name() + " closed the connection without answering");
        }
        List<ServerState> states = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank() || line.startsWith("#") || !line.contains(" ")) {
                continue;
            }
            // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...
            String[] f = line.trim().split("\\s+");
            if (f.length > 6) {
                states.add(new ServerState(f[1], f[3], Integer.parseInt(f[5]), Integer.parseInt(f[6])));
            }
        }
        return states;
    }

    private static void checkName(String name) {
        if (!Template.SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("unsafe HAProxy name");
        }
    }

    private String command(String cmd) throws IOException {
        CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(cmd);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            return f.get(endpoint.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IOException("HAProxy " + endpoint.name() + " did not answer within " + endpoint.timeout());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private String exchange(String cmd) throws IOException {
        SocketAddress address = endpoint.socket().isPresent()
                ? UnixDomainSocketAddress.of(endpoint.socket().get())
                : new InetSocketAddress(endpoint.host().orElseThrow(), endpoint.port());
        try (SocketChannel ch = endpoint.socket().isPresent()
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open()) {
            ch.connect(address);
            ch.write(ByteBuffer.wrap((cmd + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            StringBuilder out = new StringBuilder();
            while (ch.read(buf) >= 0) {
                buf.flip();
                out.append(StandardCharsets.UTF_8.decode(buf));
                buf.clear();
            }
            return out.toString();
        }
    }
}
