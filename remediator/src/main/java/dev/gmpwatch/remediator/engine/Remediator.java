package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.core.Alert;
import dev.gmpwatch.remediator.core.AuditEntry;
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
    /** The decision for an alert whose action was queued: the executor audits the outcome. */
    public static final String QUEUED = "queued";

    private final Database db;
    private final Policies policies;
    private final Clock clock;
    private final RemediatorMetrics metrics;
    private final GroupCommit<Pending, List<Decision>> commits;

    public Remediator(Database db, Policies policies, Clock clock, RemediatorMetrics metrics) {
        this.db = db;
        this.policies = policies;
        this.clock = clock;
        this.metrics = metrics;
        this.commits = new GroupCommit<>(this::decideBatch);
    }

    /** A decision about one alert and one policy. */
    public record Decision(String fingerprint, String policy, String target, String decision, String result) {
    }

    /**
     * Handles one notification. Every alert's targets are rendered first, so an unsafe label
     * rejects the whole notification before anything is written. Concurrent notifications are
     * committed together (group commit): one transaction for everything waiting, in arrival order.
     */
    public List<Decision> handle(List<Alert> alerts) throws BadPayloadException {
        List<List<Policies.Match>> matches = new ArrayList<>();
        for (Alert a : alerts) {
            try {
                matches.add(policies.match(a.labels()));
            } catch (UnsafeLabelException e) {
                throw new BadPayloadException("alert " + a.fingerprint() + ": " + e.getMessage());
            }
        }
        List<Decision> decisions = commits.submit(new Pending(alerts, matches));
        decisions.forEach(d -> metrics.decisions.labels(d.decision()).inc());
        return decisions;
    }

    /** One notification waiting for the next group commit. */
    record Pending(List<Alert> alerts, List<List<Policies.Match>> matches) {
    }

    /** Decides a batch of notifications in one transaction. */
    private List<List<Decision>> decideBatch(List<Pending> batch) {
        return db.transaction(c -> {
            List<List<Decision>> all = new ArrayList<>();
            long now = clock.millis();
            for (Pending p : batch) {
                List<Decision> out = new ArrayList<>();
                for (int i = 0; i < p.alerts().size(); i++) {
                    Alert a = p.alerts().get(i);
                    boolean fresh = Store.markSeen(c, a.fingerprint(), a.status(), a.startsAt(), now);
                    for (Policies.Match m : p.matches().get(i)) {
                        Decision d = fresh ? decide(c, a, m, now) : new Decision(a.fingerprint(), m.policy().name(),
                                m.target().key(), AuditEntry.SKIPPED_DUPLICATE, "notification seen before");
                        audit(c, now, a, m, d);
                        out.add(d);
                    }
                }
                all.add(out);
            }
            return all;
        });
    }

    private Decision decide(Connection c, Alert a, Policies.Match m, long now) throws SQLException {
        PolicyConfig p = m.policy();
        Action action = p.action();
        Target t = m.target();
        Optional<TargetRecord> known = Store.target(c, t.key());
        TargetRecord record = known.map(r -> r.withTarget(t)).orElse(TargetRecord.of(t, p.name(), action.type()));
        if (known.isEmpty() || !known.get().data().equals(t.data())) {
            Store.saveTarget(c, record); // the action's state needs the row, and a refreshed rendering is kept
        }
        StoreTargetState state = new StoreTargetState(c, t, now);
        if (!a.firing()) {
            return action.restores() ? resolveCircuit(c, a, m, record, now) : resolveStep(state, a, m);
        }
        if (action.restores() && record.isOpen()) {
            if (record.restoreAt() != null) {
                Store.saveTarget(c, record.restoreAt(null));
                return decision(a, m, AuditEntry.EXECUTED, "restore cancelled: fired again before the deadline");
            }
            return decision(a, m, AuditEntry.SKIPPED_DUPLICATE, "circuit already open");
        }
        Optional<String> limited = RateLimits.refusal(c, p, t.key(), now);
        if (limited.isPresent()) {
            return decision(a, m, AuditEntry.SKIPPED_RATE_LIMITED, limited.get());
        }
        Optional<Refusal> refused = action.admit(state, t, a);
        if (refused.isPresent()) {
            return decision(a, m, refused.get().decision(), refused.get().reason());
        }
        RateLimits.take(c, p, t.key(), now);
        if (action.restores()) {
            openCircuit(c, a, m, record, now);
        }
        Store.enqueue(c, t.key(), Operation.APPLY, p.name(), a.fingerprint(), PayloadParser.labelsJson(a.labels()), now);
        return decision(a, m, QUEUED, action.restores() ? "open queued" : "step queued");
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
        audit(c, now, a, m, decision(a, m, AuditEntry.SKIPPED_HYSTERESIS,
                "frozen open: " + opens + " opens within " + p.flapWithin()));
        metrics.decisions.labels(AuditEntry.SKIPPED_HYSTERESIS).inc();
    }

    private static Decision resolveCircuit(Connection c, Alert a, Policies.Match m, TargetRecord record, long now)
            throws SQLException {
        if (!record.isOpen()) {
            return decision(a, m, AuditEntry.SKIPPED_DUPLICATE, "resolved, and the circuit is not open");
        }
        if (record.frozen()) {
            return decision(a, m, AuditEntry.SKIPPED_HYSTERESIS, "frozen open by the flap guard");
        }
        PolicyConfig p = m.policy();
        long restoreAt = Math.max(now + p.restoreAfter().toMillis(), record.openedAt() + p.minOpen().toMillis());
        Store.saveTarget(c, record.restoreAt(restoreAt));
        return decision(a, m, AuditEntry.SKIPPED_HYSTERESIS, "restore scheduled at " + Instant.ofEpochMilli(restoreAt));
    }

    private static Decision resolveStep(StoreTargetState state, Alert a, Policies.Match m) throws SQLException {
        m.policy().action().resolved(state, m.target(), a);
        return decision(a, m, AuditEntry.SKIPPED_DUPLICATE, "resolved: nothing to undo");
    }

    private static Decision decision(Alert a, Policies.Match m, String decision, String result) {
        return new Decision(a.fingerprint(), m.policy().name(), m.target().key(), decision, result);
    }

    private static void audit(Connection c, long now, Alert a, Policies.Match m, Decision d) throws SQLException {
        if (d.decision().equals(QUEUED)) {
            return; // the executor audits the outcome
        }
        Store.audit(c, now, a.fingerprint(), PayloadParser.labelsJson(a.labels()), m.policy().name(),
                m.policy().action().type(), m.target().key(), d.decision(), d.result());
    }
}
