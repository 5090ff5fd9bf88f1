package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.RunContext;
import dev.gmpwatch.remediator.action.TargetState;
import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * GOMAXPROCS tuning: an idle alert steps the target down by one, a saturated alert up by one,
 * inside ceil(NumCPU/2)..NumCPU (or the configured bounds), through a {@link StepLever}. The minimum interval and the flip
 * guard are decided when the alert is admitted, in the store, so replicas share them; both
 * directions firing at once, or too many flips, freeze the target.
 */
public final class GomaxprocsAction implements Action {
    /** The guards' configuration: bounds of 0 mean the lever's defaults (ceil(NumCPU/2)..NumCPU). */
    public record Settings(String direction, int min, int max, Duration minInterval, int maxFlips, Duration flipWithin) {
    }

    private final String type;
    private final Settings settings;
    private final StepLever lever;

    /** @param type the action type it is configured as ("gomaxprocs", or "kubernetes" for a pod's CPU limit) */
    public GomaxprocsAction(String type, Settings settings, StepLever lever) {
        this.type = type;
        this.settings = settings;
        this.lever = lever;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        return lever.target(labels);
    }

    @Override
    public boolean restores() {
        return false;
    }

    /** The alert (its fingerprint) is what is active: Alertmanager may resolve it with another startsAt. */
    @Override
    public Optional<Refusal> admit(TargetState store, Target target, Alert alert) throws SQLException {
        String direction = settings.direction();
        long now = store.now();
        GomaxprocsState s = GomaxprocsState.parse(store.read()).withActive(direction, alert.fingerprint());
        Optional<Refusal> refusal = Optional.empty();
        if (s.frozen()) {
            refusal = Optional.of(Refusal.guard("frozen"));
        } else if (s.active(direction.equals("down") ? "up" : "down") != null) {
            s = s.frozenNow();
            refusal = Optional.of(Refusal.guard("frozen: the idle and saturated alerts fire at once"));
        } else if (s.lastSetAt() != null && now - s.lastSetAt() < settings.minInterval().toMillis()) {
            refusal = Optional.of(Refusal.limit("minimum interval " + settings.minInterval() + ": last change "
                    + (now - s.lastSetAt()) / 1000 + " s ago"));
        } else if (s.lastDirection() != null && !s.lastDirection().equals(direction)) {
            int flips = store.recordEvent("flip", settings.flipWithin());
            if (flips > settings.maxFlips()) {
                s = s.frozenNow();
                refusal = Optional.of(Refusal.guard("frozen: " + flips + " direction changes within " + settings.flipWithin()));
            }
        }
        store.write((refusal.isEmpty() ? s.reserved(now, direction) : s).json());
        return refusal;
    }

    @Override
    public void resolved(TargetState store, Target target, Alert alert) throws SQLException {
        GomaxprocsState s = GomaxprocsState.parse(store.read());
        if (alert.fingerprint().equals(s.active(settings.direction()))) {
            store.write(s.withActive(settings.direction(), null).json());
        }
    }

    @Override
    public Outcome run(RunContext context, Target target, Operation operation) throws IOException {
        try {
            return step(context, target);
        } catch (LeverException e) {
            return release(context, e.outcome());
        }
    }

    private Outcome step(RunContext context, Target target) throws IOException, LeverException {
        GomaxprocsState s = context.update(state -> GomaxprocsState.parse(state.read()));
        if (s.frozen()) {
            return release(context, Outcome.refused(Refusal.guard("frozen")));
        }
        Optional<String> identity = lever.identityRefusal(target);
        if (identity.isPresent()) {
            return release(context, Outcome.failed(identity.get()));
        }
        GomaxprocsClient.Reading r = lever.read(target);
        GomaxprocsState.Step step = s.inFlight();
        if (step != null && step.intent() == context.intentId()) {
            // This intent ran before a crash: finish what it started instead of stepping twice.
            if (r.gomaxprocs() == step.to()) {
                return stepped(context, step.to(), lever.what() + step.from() + " -> " + step.to() + " (reconciled)");
            }
            if (r.gomaxprocs() != step.from()) {
                return release(context, Outcome.refused(Refusal.guard("changed by someone else while stepping: now " + r.gomaxprocs())));
            }
        }
        int min = settings.min() > 0 ? settings.min() : (r.numCpu() + 1) / 2;
        int max = settings.max() > 0 ? settings.max() : r.numCpu();
        int next = r.gomaxprocs() + (settings.direction().equals("down") ? -1 : 1);
        if (next < min || next > max) {
            return release(context, Outcome.refused(Refusal.limit("at bound: " + lever.what() + r.gomaxprocs()
                    + " within " + min + ".." + max)));
        }
        GomaxprocsState.Step now = new GomaxprocsState.Step(context.intentId(), r.gomaxprocs(), next);
        context.update(state -> {
            state.write(GomaxprocsState.parse(state.read()).stepping(now).json());
            return null;
        });
        GomaxprocsClient.Reading after = lever.set(target, next);
        if (after.gomaxprocs() != next) {
            return release(context, Outcome.failed("asked for " + next + ", the target reports " + after.gomaxprocs()));
        }
        return stepped(context, next, lever.what() + r.gomaxprocs() + " -> " + next);
    }

    private static Outcome stepped(RunContext context, int value, String detail) {
        context.update(state -> {
            state.write(GomaxprocsState.parse(state.read()).stepped(value).json());
            return null;
        });
        return Outcome.done(detail);
    }

    /** No step happened: the minimum interval counts from the last real one again. */
    private static Outcome release(RunContext context, Outcome outcome) {
        context.update(state -> {
            state.write(GomaxprocsState.parse(state.read()).released().json());
            return null;
        });
        return outcome;
    }
}
