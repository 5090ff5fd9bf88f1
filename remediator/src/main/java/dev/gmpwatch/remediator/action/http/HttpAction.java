package dev.gmpwatch.remediator.action.http;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.RunContext;
import dev.gmpwatch.remediator.action.TargetData;
import dev.gmpwatch.remediator.action.TargetState;
import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.policy.UrlTemplate;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Opens a breaker with a request to its open URL and restores it with one to its close URL. The
 * intent id is the Idempotency-Key, so a request repeated after a crash is recognisable.
 */
public final class HttpAction implements Action {
    /** The policy's configuration of this action. */
    public record Settings(String method, UrlTemplate openUrl, UrlTemplate closeUrl, Duration timeout, int retries) {
    }

    /** What the target data holds. */
    record Breaker(String method, String openUrl, String closeUrl) {
        Target target() {
            return new Target("http:" + openUrl, null, TargetData.write(this));
        }
    }

    private final Settings settings;
    private final HttpCaller caller;

    HttpAction(Settings settings, HttpCaller caller) {
        this.settings = settings;
        this.caller = caller;
    }

    @Override
    public String type() {
        return "http";
    }

    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        return new Breaker(settings.method(), settings.openUrl().render(labels), settings.closeUrl().render(labels)).target();
    }

    @Override
    public boolean restores() {
        return true;
    }

    @Override
    public Optional<Refusal> admit(TargetState state, Target target, Alert alert) {
        return Optional.empty();
    }

    @Override
    public Outcome run(RunContext context, Target target, Operation operation) throws IOException {
        Breaker b = TargetData.read(target, Breaker.class);
        boolean open = operation == Operation.APPLY;
        try {
            return Outcome.done(caller.call(b.method(), open ? b.openUrl() : b.closeUrl(), open ? "open" : "close",
                    context.intentId(), settings.timeout(), settings.retries()));
        } catch (HttpCaller.Refused e) {
            return Outcome.failed(e.getMessage());
        }
    }
}
