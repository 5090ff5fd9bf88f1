package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.Decision;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Refusal;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.TargetRecord;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.store.Store;
import dev.gmpwatch.remediator.webhook.BadPayloadException;
import dev.gmpwatch.remediator.webhook.PayloadParser;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides, alert by alert, what a notification means: deduplicate on (fingerprint, status,
 * startsAt), then queue the policy's action on firing (within the rate limits and the action's
 * own guards) or, for a circuit, schedule its restore on resolved. Every guard reads the shared
 * store, and decisions and the intents they queue commit in one transaction, before the 200.
 */
public final class Remediator {
    private final Database db;
    private final Policies policies;
    private final Clock clock;
    private final RemediatorMetrics metrics;
    private final GroupCommit<Pending, List<AlertDecision>> commits;

    public Remediator(Database db, Policies policies, Clock clock, RemediatorMetrics metrics) {
        this.db = db;
        this.policies = policies;
        this.clock = clock;
        this.metrics = metrics;
        this.commits = new GroupCommit<>(this::decideBatch);
    }

    /** A decision about one alert and one policy; a queued one is audited by the executor with its outcome. */
    public record AlertDecision(String fingerprint, String policy, String target, Decision decision, String result) {
    }

    /**
     * Handles one notification. Every alert's targets are rendered first, so an unsafe label
     * rejects the whole notification before anything is written. Concurrent notifications are
     * committed together (group commit): one transaction for everything waiting, in arrival order.
     */
    public List<AlertDecision> handle(List<Alert> alerts) throws BadPayloadException {
        List<List<Policies.Match>> matches = new ArrayList<>();
        for (Alert a : alerts) {
            try {
                matches.add(policies.match(a.labels()));
            } catch (UnsafeLabelException e) {
                throw new BadPayloadException("alert " + a.fingerprint() + ": " + e.getMessage());
            }
        }
        List<AlertDecision> decisions = commits.submit(new Pending(alerts, matches));
        decisions.forEach(d -> metrics.decisions.labels(d.decision().label()).inc());
        return decisions;
    }

    /** One notification waiting for the next group commit. */
    record Pending(List<Alert> alerts, List<List<Policies.Match>> matches) {
    }

    /** Decides a batch of notifications in one transaction. */
    private List<List<AlertDecision>> decideBatch(List<Pending> batch) {
        return db.transaction(c -> {
            List<List<AlertDecision>> all = new ArrayList<>();
            long now = clock.millis();
            for (Pending p : batch) {
                List<AlertDecision> out = new ArrayList<>();
                for (int i = 0; i < p.alerts().size(); i++) {
                    Alert a = p.alerts().get(i);
                    boolean fresh = Store.markSeen(c, a.fingerprint(), a.status(), a.startsAt(), now);
                    for (Policies.Match m : p.matches().get(i)) {
                        AlertDecision d = fresh ? decide(c, a, m, now) : new AlertDecision(a.fingerprint(), m.policy().name(),
                                m.target().key(), Decision.SKIPPED_DUPLICATE, "notification seen before");
                        audit(c, now, a, m, d);
                        out.add(d);
                    }
                }
                all.add(out);
            }
            return all;
        });
    }

    private AlertDecision decide(Connection c, Alert a, Policies.Match m, long now) throws SQLException {
        PolicyConfig p = m.policy();
        Action action = p.action();
        Target t = m.target();
        Optional<TargetRecord> known = Store.target(c, t.key());
        TargetRecord record = known.map(r -> r.withTarget(t)).orElse(TargetRecord.of(t, p.name(), action.type()));
        if (known.isEmpty() || !known.get().data().equals(t.data())) {
            Store.saveTarget(c, record); // the action's state needs the row, and a refreshed rendering is kept
        }
        StoreTargetState state = new StoreTargetState(c, t, now);
        return action.restores() ? decideCircuit(c, a, m, record, state, now) : decideStep(c, a, m, state, now);
    }

    /** A circuit is held open while its alert fires and restored after it resolves. */
    private AlertDecision decideCircuit(Connection c, Alert a, Policies.Match m, TargetRecord record, StoreTargetState state,
                                        long now) throws SQLException {
        if (!a.firing()) {
            return resolveCircuit(c, a, m, record, now);
        }
        if (record.isOpen()) {
            if (record.restoreAt() != null) {
                Store.saveTarget(c, record.restoreAt(null));
                return decision(a, m, Decision.EXECUTED, "restore cancelled: fired again before the deadline");
            }
            return decision(a, m, Decision.SKIPPED_DUPLICATE, "circuit already open");
        }
        Optional<AlertDecision> refused = refusal(c, a, m, state, now);
        if (refused.isPresent()) {
            return refused.get();
        }
        openCircuit(c, a, m, record, now);
        return queue(c, a, m, now, "open queued");
    }

    /** A step is taken once per fresh firing notification, and nothing undoes it. */
    private static AlertDecision decideStep(Connection c, Alert a, Policies.Match m, StoreTargetState state, long now)
            throws SQLException {
        if (!a.firing()) {
            m.policy().action().resolved(state, m.target(), a);
            return decision(a, m, Decision.SKIPPED_DUPLICATE, "resolved: nothing to undo");
        }
        Optional<AlertDecision> refused = refusal(c, a, m, state, now);
        return refused.isPresent() ? refused.get() : queue(c, a, m, now, "step queued");
    }

    /** The policy's rate limits, then the action's own guards; taking the rate when both pass. */
    private static Optional<AlertDecision> refusal(Connection c, Alert a, Policies.Match m, StoreTargetState state, long now)
            throws SQLException {
        PolicyConfig p = m.policy();
        Optional<String> limited = RateLimits.refusal(c, p, m.target().key(), now);
        if (limited.isPresent()) {
            return Optional.of(decision(a, m, Decision.SKIPPED_RATE_LIMITED, limited.get()));
        }
        Optional<Refusal> refused = p.action().admit(state, m.target(), a);
        if (refused.isPresent()) {
            return Optional.of(decision(a, m, refused.get().decision(), refused.get().reason()));
        }
        RateLimits.take(c, p, m.target().key(), now);
        return Optional.empty();
    }

    private static AlertDecision queue(Connection c, Alert a, Policies.Match m, long now, String result) throws SQLException {
        Store.enqueue(c, m.target().key(), Operation.APPLY, m.policy().name(), a.fingerprint(), PayloadParser.labelsJson(a.labels()), now);
        return decision(a, m, Decision.QUEUED, result);
    }

    /** Opens the circuit in the store; past the flap guard's count it is frozen open (never restored). */
    private void openCircuit(Connection c, Alert a, Policies.Match m, TargetRecord record, long now) throws SQLException {
        PolicyConfig p = m.policy();
        int opens = Store.recordEvent(c, record.key(), "open", now, now - p.flapWithin().toMillis());
        if (opens <= p.flapMaxCycles()) {
            Store.saveTarget(c, record.opened(now));
            return;
        }
        Store.saveTarget(c, record.opened(now).frozenOpen());
        audit(c, now, a, m, decision(a, m, Decision.SKIPPED_HYSTERESIS,
                "frozen open: " + opens + " opens within " + p.flapWithin()));
        metrics.decisions.labels(Decision.SKIPPED_HYSTERESIS.label()).inc();
    }

    private static AlertDecision resolveCircuit(Connection c, Alert a, Policies.Match m, TargetRecord record, long now)
            throws SQLException {
        if (!record.isOpen()) {
            return decision(a, m, Decision.SKIPPED_DUPLICATE, "resolved, and the circuit is not open");
        }
        if (record.frozen()) {
            return decision(a, m, Decision.SKIPPED_HYSTERESIS, "frozen open by the flap guard");
        }
        PolicyConfig p = m.policy();
        long restoreAt = Math.max(now + p.restoreAfter().toMillis(), record.openedAt() + p.minOpen().toMillis());
        Store.saveTarget(c, record.restoreAt(restoreAt));
        return decision(a, m, Decision.SKIPPED_HYSTERESIS, "restore scheduled at " + Instant.ofEpochMilli(restoreAt));
    }

    private static AlertDecision decision(Alert a, Policies.Match m, Decision decision, String result) {
        return new AlertDecision(a.fingerprint(), m.policy().name(), m.target().key(), decision, result);
    }

    private static void audit(Connection c, long now, Alert a, Policies.Match m, AlertDecision d) throws SQLException {
        if (d.decision() == Decision.QUEUED) {
            return; // the executor audits the outcome
        }
        Store.audit(c, now, a.fingerprint(), PayloadParser.labelsJson(a.labels()), m.policy().name(),
                m.policy().action().type(), m.target().key(), d.decision(), d.result());
    }
}
