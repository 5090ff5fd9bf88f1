package dev.gmpwatch.remediator.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Sits between the remediator and HAProxy's TCP runtime API and can freeze an exchange, so a
 * test can kill the remediator before a command reaches HAProxy, or after HAProxy applied it but
 * before the answer came back. Records every command HAProxy received.
 */
public final class TcpRelay implements AutoCloseable {
    /** What to do with the next commands. */
    public enum Mode { PASS, HOLD_BEFORE_ANY, HOLD_AFTER_SET }

    private final ServerSocket server;
    private final int haproxyPort;
    private final List<String> forwarded = new CopyOnWriteArrayList<>();
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final Semaphore holds = new Semaphore(0);
    private volatile Mode mode = Mode.PASS;

    public TcpRelay(int haproxyPort) throws IOException {
        this.haproxyPort = haproxyPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "tcp-relay");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public void mode(Mode m) {
        mode = m;
    }

    /** Commands that reached HAProxy, in order. */
    public List<String> forwarded() {
        return List.copyOf(forwarded);
    }

    /** Waits until an exchange is being held. */
    public void awaitHold(long seconds) throws InterruptedException {
        if (!holds.tryAcquire(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("no command was held within " + seconds + " s");
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> handle(client), "tcp-relay-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try {
            String command = readLine(client.getInputStream());
            Mode m = mode;
            if (m == Mode.HOLD_BEFORE_ANY) {
                hold(client);
                return;
            }
            String answer;
            try (Socket h = new Socket(InetAddress.getLoopbackAddress(), haproxyPort)) {
                h.getOutputStream().write((command + "\n").getBytes(StandardCharsets.US_ASCII));
                forwarded.add(command);
                answer = new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            if (m == Mode.HOLD_AFTER_SET && command.startsWith("set server")) {
                hold(client);
                return;
            }
            client.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
            client.close();
        } catch (IOException e) {
            // HAProxy is down, or the remediator went away mid-exchange: hang up, as a dead HAProxy would
            try {
                client.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private void hold(Socket client) {
        held.add(client);
        holds.release();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : held) {
            s.close();
        }
    }
}
