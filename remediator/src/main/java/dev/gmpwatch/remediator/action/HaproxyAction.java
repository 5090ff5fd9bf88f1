package dev.gmpwatch.remediator.action;

import dev.gmpwatch.remediator.action.HaproxyClient.ServerState;
import dev.gmpwatch.remediator.config.RemediatorConfig.HaproxyEndpoint;
import dev.gmpwatch.remediator.policy.Target;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Opens a circuit by putting a HAProxy server in maint (or drain) and closes it with ready; verified. */
public final class HaproxyAction {
    /** Why an open was refused by the blast-radius caps, or empty when it may proceed. */
    public record CapCheck(Optional<String> refusal) {
    }

    private final Map<String, HaproxyEndpoint> endpoints;

    public HaproxyAction(Map<String, HaproxyEndpoint> endpoints) {
        this.endpoints = endpoints;
    }

    /**
     * Checks the caps against HAProxy's live view: the fraction of the backend's servers out of
     * rotation, and that at least one other healthy server remains.
     */
    public CapCheck checkCaps(Target t, double maxFraction) throws IOException {
        List<ServerState> servers = client(t).serversState(t.backend());
        Optional<ServerState> self = servers.stream().filter(s -> s.server().equals(t.server())).findFirst();
        if (self.isEmpty()) {
            return new CapCheck(Optional.of("server " + t.backend() + "/" + t.server() + " does not exist in HAProxy"));
        }
        // The server itself may already be out (an open that reached HAProxy before a crash): it
        // then adds nothing to the count, and apply() reconciles instead of sending it again.
        long out = servers.stream().filter(s -> !s.server().equals(t.server()) && (s.inMaint() || s.draining())).count();
        if ((double) (out + 1) / servers.size() > maxFraction) {
            return new CapCheck(Optional.of(String.format("cap: %d of %d servers would be out, over %.0f%%",
                    out + 1, servers.size(), maxFraction * 100)));
        }
        long otherHealthy = servers.stream().filter(s -> !s.server().equals(t.server()) && s.healthy()).count();
        if (otherHealthy == 0) {
            return new CapCheck(Optional.of("cap: it is the last healthy server of " + t.backend()));
        }
        return new CapCheck(Optional.empty());
    }

    /**
     * Sets the state and reads it back; returns a one-line result. When HAProxy already shows the
     * state (an action that ran before a crash), nothing is sent: reconciled, not repeated.
     */
    public String apply(Target t, String state) throws IOException {
        HaproxyClient c = client(t);
        Optional<ServerState> before = c.serversState(t.backend()).stream().filter(x -> x.server().equals(t.server())).findFirst();
        if (before.isEmpty()) {
            throw new IOException("server " + t.backend() + "/" + t.server() + " does not exist in HAProxy");
        }
        if (isIn(before.get(), state)) {
            return "state " + state + " already set (reconciled)";
        }
        String answer = c.setState(t.backend(), t.server(), state);
        if (!answer.isEmpty()) {
            throw new IOException("HAProxy refused: " + answer.lines().findFirst().orElse(answer));
        }
        ServerState s = c.serversState(t.backend()).stream().filter(x -> x.server().equals(t.server())).findFirst()
                .orElseThrow(() -> new IOException("server vanished from show servers state"));
        if (!isIn(s, state)) {
            throw new IOException("show servers state disagrees: admin state " + s.adminState());
        }
        return "state " + state + " verified";
    }

    private static boolean isIn(ServerState s, String state) {
        return switch (state) {
            case "maint" -> s.inMaint();
            case "drain" -> s.draining() && !s.inMaint();
            default -> !s.inMaint() && !s.draining();
        };
    }

    private HaproxyClient client(Target t) {
        HaproxyEndpoint e = endpoints.get(t.haproxy());
        if (e == null) {
            throw new IllegalStateException("no HAProxy named " + t.haproxy());
        }
        return new HaproxyClient(e);
    }
}
