package dev.gmpwatch.remediator.action.haproxy;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.RunContext;
import dev.gmpwatch.remediator.action.TargetData;
import dev.gmpwatch.remediator.action.TargetState;
import dev.gmpwatch.remediator.action.haproxy.HaproxyClient.ServerState;
import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.policy.Template;
import java.io.IOException;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Opens a circuit by putting a HAProxy server in maint (or drain) and restores it with ready,
 * verified with {@code show servers state}. Caps: circuits open per backend (decided in the
 * store), and the fraction of the backend out of rotation (HAProxy's live view, plus servers
 * another replica is taking out right now).
 */
public final class HaproxyAction implements Action {
    /** The policy's configuration of this action. */
    public record Settings(String haproxy, Template backend, Template server, String openState, int maxOpenPerBackend,
                           double maxOpenFraction) {
    }

    /** What the target data holds. */
    record Server(String haproxy, String backend, String server) {
        /** Its target: the caps group is the backend. */
        Target target() {
            return new Target("haproxy:" + haproxy + "/" + backend + "/" + server, "haproxy:" + haproxy + "/" + backend,
                    TargetData.write(this));
        }
    }

    private final Settings settings;
    private final Map<String, HaproxyEndpoint> endpoints;

    HaproxyAction(Settings settings, Map<String, HaproxyEndpoint> endpoints) {
        this.settings = settings;
        this.endpoints = endpoints;
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public String type() {
        return "haproxy";
    }

    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        return new Server(settings.haproxy(), settings.backend().render(labels), settings.server().render(labels)).target();
    }

    @Override
    public boolean restores() {
        return true;
    }

    @Override
    public Optional<Refusal> admit(TargetState state, Target target, Alert alert) throws SQLException {
        if (state.openInGroup() >= settings.maxOpenPerBackend()) {
            return Optional.of(Refusal.limit("cap: " + settings.maxOpenPerBackend() + " circuit(s) already open in backend "
                    + read(target).backend()));
        }
        return Optional.empty();
    }

    @Override
    public Outcome run(RunContext context, Target target, Operation operation) throws IOException {
        Server s = read(target);
        HaproxyEndpoint endpoint = endpoints.get(s.haproxy());
        if (endpoint == null) {
            return Outcome.failed("no HAProxy named " + s.haproxy() + " in the configuration");
        }
        HaproxyClient client = new HaproxyClient(endpoint);
        List<ServerState> servers = client.serversState(s.backend());
        Optional<ServerState> self = servers.stream().filter(x -> x.server().equals(s.server())).findFirst();
        if (self.isEmpty()) {
            return Outcome.failed("server " + s.backend() + "/" + s.server() + " does not exist in HAProxy");
        }
        String state = operation == Operation.APPLY ? settings.openState() : "ready";
        if (isIn(self.get(), state)) {
            return Outcome.done("state " + state + " already set (reconciled)");
        }
        if (operation == Operation.APPLY) {
            Optional<Refusal> refusal = fractionCap(s, servers, context.appliedInGroup());
            if (refusal.isPresent()) {
                return Outcome.refused(refusal.get());
            }
        }
        String answer = client.setState(s.backend(), s.server(), state);
        if (!answer.isEmpty()) {
            return Outcome.failed("HAProxy refused: " + answer.lines().findFirst().orElse(answer));
        }
        ServerState after = client.serversState(s.backend()).stream().filter(x -> x.server().equals(s.server())).findFirst()
                .orElse(null);
        if (after == null || !isIn(after, state)) {
            return Outcome.failed("show servers state disagrees after set " + state
                    + (after == null ? ": the server vanished" : ": admin state " + after.adminState()));
        }
        return Outcome.done("state " + state + " verified");
    }

    /**
     * The fraction of the backend out of rotation, counting HAProxy's view and the servers other
     * replicas are taking out now, and that one other healthy server remains. The target itself
     * is not counted: it may be out already from an open that reached HAProxy before a crash.
     */
    private Optional<Refusal> fractionCap(Server s, List<ServerState> servers, List<Target> applied) {
        Set<String> out = new HashSet<>();
        for (ServerState x : servers) {
            if (x.inMaint() || x.draining()) {
                out.add(x.server());
            }
        }
        for (Target t : applied) {
            out.add(read(t).server());
        }
        out.remove(s.server());
        if ((double) (out.size() + 1) / servers.size() > settings.maxOpenFraction()) {
            return Optional.of(Refusal.limit(String.format("cap: %d of %d servers would be out, over %.0f%%",
                    out.size() + 1, servers.size(), settings.maxOpenFraction() * 100)));
        }
        boolean otherHealthy = servers.stream().anyMatch(x -> !x.server().equals(s.server()) && x.healthy()
                && !out.contains(x.server()));
        return otherHealthy ? Optional.empty() : Optional.of(Refusal.limit("cap: it is the last healthy server of " + s.backend()));
    }

    private static boolean isIn(ServerState s, String state) {
        return switch (state) {
            case "maint" -> s.inMaint();
            case "drain" -> s.draining() && !s.inMaint();
            default -> !s.inMaint() && !s.draining();
        };
    }

    private static Server read(Target t) {
        return TargetData.read(t, Server.class);
    }
}
