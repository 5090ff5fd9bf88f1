package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.Operation;
import dev.gmpwatch.remediator.action.Outcome;
import dev.gmpwatch.remediator.action.Refusal;
import dev.gmpwatch.remediator.action.RunContext;
import dev.gmpwatch.remediator.action.Target;
import dev.gmpwatch.remediator.action.TargetData;
import dev.gmpwatch.remediator.action.TargetState;
import dev.gmpwatch.remediator.policy.Template;
import dev.gmpwatch.remediator.policy.UnsafeLabelException;
import dev.gmpwatch.remediator.webhook.Alert;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * GOMAXPROCS tuning: an idle alert steps the target down by one, a saturated alert up by one,
 * inside ceil(NumCPU/2)..NumCPU (or the configured bounds). The minimum interval and the flip
 * guard are decided when the alert is admitted, in the store, so replicas share them; both
 * directions firing at once, or too many flips, freeze the target.
 */
public final class GomaxprocsAction implements Action {
    private static final Pattern PID = Pattern.compile("[1-9][0-9]{0,9}");

    /** The policy's configuration: bounds of 0 mean the defaults. */
    public record Settings(String direction, String actuator, String addressLabel, Pattern allowedAddresses, String path,
                           Optional<String> token, int min, int max, Duration minInterval, int maxFlips, Duration flipWithin) {
    }

    /** What the target data holds: where to reach the process, and who it must still be. */
    record Process(String adminUrl, String pid, String exe) {
    }

    private final Settings settings;
    private final GomaxprocsActuator actuator;

    GomaxprocsAction(Settings settings, GomaxprocsActuator actuator) {
        this.settings = settings;
        this.actuator = actuator;
    }

    @Override
    public String type() {
        return "gomaxprocs";
    }

    /** The admin address must be a plain name that fully matches the allowed pattern. */
    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        String pid = labels.getOrDefault("pid", "");
        String address = labels.get(settings.addressLabel());
        if (settings.actuator().equals("cgroup")) {
            if (!PID.matcher(pid).matches()) {
                throw new UnsafeLabelException("label pid is required for the cgroup actuator and must be a process id");
            }
            address = "cgroup";
        } else if (address == null && PID.matcher(pid).matches()) {
            address = "pid-" + pid; // found from the PID's own listening sockets when the step runs
        } else if (address == null || !Template.SAFE_NAME.matcher(address).matches()
                || !settings.allowedAddresses().matcher(address).matches()) {
            throw new UnsafeLabelException("label " + settings.addressLabel() + " is missing or not an allowed address");
        }
        if (!pid.isEmpty() && !PID.matcher(pid).matches()) {
            throw new UnsafeLabelException("label pid must be a process id");
        }
        String exe = labels.getOrDefault("exe", "");
        if (!exe.isEmpty() && !Template.SAFE_NAME.matcher(exe).matches()) {
            throw new UnsafeLabelException("label exe must match " + Template.SAFE_NAME.pattern());
        }
        Process p = new Process(address.equals("cgroup") ? "cgroup" : "http://" + address + settings.path(), pid, exe);
        return new Target("gomaxprocs:" + p.adminUrl() + (pid.isEmpty() ? "" : "#pid=" + pid), null, TargetData.write(p));
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
        Process p = TargetData.read(target, Process.class);
        GomaxprocsState s = context.update(state -> GomaxprocsState.parse(state.read()));
        if (s.frozen()) {
            return release(context, Outcome.refused(Refusal.guard("frozen")));
        }
        Optional<String> identity = actuator.identityRefusal(p);
        if (identity.isPresent()) {
            return release(context, Outcome.failed(identity.get()));
        }
        String where = actuator.resolve(p, settings);
        GomaxprocsClient.Reading r = actuator.read(where, p, settings.token());
        GomaxprocsState.Step step = s.inFlight();
        if (step != null && step.intent() == context.intentId()) {
            // This intent ran before a crash: finish what it started instead of stepping twice.
            if (r.gomaxprocs() == step.to()) {
                return stepped(context, step.to(), "GOMAXPROCS " + step.from() + " -> " + step.to() + " (reconciled)");
            }
            if (r.gomaxprocs() != step.from()) {
                return release(context, Outcome.refused(Refusal.guard("changed by someone else while stepping: now " + r.gomaxprocs())));
            }
        }
        int min = settings.min() > 0 ? settings.min() : (r.numCpu() + 1) / 2;
        int max = settings.max() > 0 ? settings.max() : r.numCpu();
        int next = r.gomaxprocs() + (settings.direction().equals("down") ? -1 : 1);
        if (next < min || next > max) {
            return release(context, Outcome.refused(Refusal.limit("at bound: GOMAXPROCS " + r.gomaxprocs()
                    + " within " + min + ".." + max)));
        }
        GomaxprocsState.Step now = new GomaxprocsState.Step(context.intentId(), r.gomaxprocs(), next);
        context.update(state -> {
            state.write(GomaxprocsState.parse(state.read()).stepping(now).json());
            return null;
        });
        GomaxprocsClient.Reading after = actuator.set(where, p, settings.token(), next);
        if (after.gomaxprocs() != next) {
            return release(context, Outcome.failed("asked for " + next + ", the target reports " + after.gomaxprocs()));
        }
        String what = where.equals("cgroup") ? "CPU quota " : "GOMAXPROCS ";
        return stepped(context, next, what + r.gomaxprocs() + " -> " + next);
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
