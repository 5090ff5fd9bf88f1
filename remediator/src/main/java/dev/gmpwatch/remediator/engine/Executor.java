package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.action.Action;
import dev.gmpwatch.remediator.action.RunContext;
import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.core.Decision;
import dev.gmpwatch.remediator.core.IntentStatus;
import dev.gmpwatch.remediator.core.Operation;
import dev.gmpwatch.remediator.core.Outcome;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.TargetRecord;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.store.Intent;
import dev.gmpwatch.remediator.store.Store;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs queued intents through their policy's action, one at a time, and turns due restores into
 * intents. An intent is claimed before the side effect and finished after it; after a crash,
 * claimed but unfinished intents run again (actions reconcile instead of repeating). A target
 * that cannot be reached is tried again with exponential backoff, and given up after
 * {@value #MAX_ATTEMPTS} attempts.
 */
public final class Executor implements AutoCloseable {
    static final int MAX_ATTEMPTS = 20;
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long MAX_RETRY_MILLIS = 60_000;
    private static final Duration EVENTS_KEPT = Duration.ofDays(7);
    private static final System.Logger LOG = System.getLogger("gmpwatch.remediator.executor");

    private final Database db;
    private final Policies policies;
    private final Clock clock;
    private final RemediatorMetrics metrics;
    private final boolean dryRun;
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;
    private long prunedAt;
    private long gaugesAt;

    public Executor(Database db, Policies policies, Clock clock, RemediatorMetrics metrics, boolean dryRun) {
        this.db = db;
        this.policies = policies;
        this.clock = clock;
        this.metrics = metrics;
        this.dryRun = dryRun;
        int requeued = db.transaction(c -> Store.requeueInterrupted(c, clock.millis()));
        if (requeued > 0) {
            LOG.log(System.Logger.Level.WARNING, requeued + " action(s) were interrupted by a crash; running them again");
        }
        updateGauges();
        this.thread = new Thread(this::loop, "remediator-executor");
        thread.setDaemon(true);
        thread.start();
    }

    /** Something was queued: run it now rather than at the next poll. */
    public void wake() {
        wake.release();
    }

    /** Runs everything that is due now; for tests that drive the clock. */
    public synchronized void runDue() {
        pruneEvents();
        scheduleDueRestores();
        Optional<Intent> next;
        boolean ran = false;
        while ((next = db.transaction(c -> {
            Optional<Intent> in = Store.claimNext(c, clock.millis());
            if (in.isPresent() && in.get().op() == Operation.APPLY) {
                Store.markApplied(c, in.get().target()); // counted by caps on every replica from now on
            }
            return in;
        })).isPresent()) {
            execute(next.get());
            ran = true;
        }
        long now = clock.millis();
        if (ran || now - gaugesAt >= 1000 || now < gaugesAt) { // the store changes under us too (other replicas)
            updateGauges();
            gaugesAt = now;
        }
    }

    private void loop() {
        while (running) {
            try {
                runDue();
                wake.tryAcquire(200, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) { // StoreException included: keep running, the store may come back
                LOG.log(System.Logger.Level.ERROR, "executor: " + e.getMessage());
                sleepQuietly();
            }
        }
    }

    private void scheduleDueRestores() {
        db.transaction(c -> {
            long now = clock.millis();
            for (TargetRecord k : Store.dueRestores(c, now)) {
                Store.saveTarget(c, k.restoreAt(null));
                Store.enqueue(c, k.key(), Operation.RESTORE, k.policy(), null, null, now);
            }
            return null;
        });
    }

    private void pruneEvents() {
        long now = clock.millis();
        if (now - prunedAt > Duration.ofHours(1).toMillis()) {
            db.transaction(c -> Store.pruneEvents(c, now - EVENTS_KEPT.toMillis()));
            prunedAt = now;
        }
    }

    private void execute(Intent in) {
        Optional<PolicyConfig> policy = policies.named(in.policy());
        TargetRecord record = db.transaction(c -> Store.target(c, in.target())).orElse(null);
        if (policy.isEmpty() || record == null) {
            db.transaction(c -> {
                Store.finish(c, in.id(), IntentStatus.DROPPED, clock.millis());
                Store.audit(c, clock.millis(), in.fingerprint(), in.labels(), in.policy(), "-", in.target(),
                        Decision.FAILED, "policy or target no longer exists");
                return null;
            });
            return;
        }
        Action action = policy.get().action();
        Outcome outcome;
        try {
            outcome = dryRun ? new Outcome(Decision.DRY_RUN, "would " + in.op().name().toLowerCase() + " " + record.key())
                    : action.run(new Context(in, record.target()), record.target(), in.op());
        } catch (IOException e) {
            if (in.attempts() + 1 < MAX_ATTEMPTS) {
                retryLater(in, action, e);
                return;
            }
            outcome = Outcome.failed(reason(e) + "; gave up after " + MAX_ATTEMPTS + " attempts");
        } catch (RuntimeException e) {
            outcome = Outcome.failed(reason(e));
        }
        finish(in, action, record, outcome);
    }

    /** The target could not be reached: the intent stays pending, visible in /api/v1/state. */
    private void retryLater(Intent in, Action action, IOException e) {
        int attempts = in.attempts() + 1;
        long delay = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(attempts - 1, 20));
        metrics.retries.labels(action.type()).inc();
        metrics.decisions.labels(Decision.RETRYING.label()).inc();
        db.transaction(c -> {
            long now = clock.millis();
            Store.retryLater(c, in.id(), attempts, now + delay, reason(e), now);
            Store.audit(c, now, in.fingerprint(), in.labels(), in.policy(), action.type(), in.target(), Decision.RETRYING,
                    verb(in.op()) + ": " + reason(e) + "; attempt " + attempts + " of " + MAX_ATTEMPTS + ", next in "
                            + delay / 1000 + " s");
            return null;
        });
    }

    private void finish(Intent in, Action action, TargetRecord record, Outcome outcome) {
        IntentStatus status = outcome.decision().finalStatus();
        boolean done = status == IntentStatus.DONE;
        metrics.actions.labels(action.type(), outcome.decision().result()).inc();
        metrics.decisions.labels(outcome.decision().label()).inc();
        db.transaction(c -> {
            long now = clock.millis();
            Store.finish(c, in.id(), status, now);
            String detail = action.restores() ? closeIfOver(c, in, record, done, outcome.detail()) : outcome.detail();
            boolean opening = in.op() == Operation.APPLY;
            Store.audit(c, now, opening ? in.fingerprint() : null, opening ? in.labels() : null, in.policy(), action.type(),
                    in.target(), outcome.decision(), detail);
            return null;
        });
    }

    /**
     * A circuit's run is over: restored, or it cannot be, or it never opened. Either way it is no
     * longer ours to hold open. The detail says which for a restore.
     */
    private static String closeIfOver(Connection c, Intent in, TargetRecord record, boolean done, String detail) throws SQLException {
        TargetRecord current = Store.target(c, in.target()).orElse(record);
        if (in.op() == Operation.RESTORE) {
            Store.saveTarget(c, current.closed());
            return (done ? "restored: " : "restore: ") + detail;
        }
        if (!done) {
            Store.saveTarget(c, current.closed()); // never opened
        }
        return detail;
    }

    private static String verb(Operation op) {
        return op == Operation.APPLY ? "apply" : "restore";
    }

    private static String reason(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    private void updateGauges() {
        List<TargetRecord> open = db.transaction(Store::openCircuits);
        metrics.openCircuits.set(open.size());
        metrics.frozenCircuits.set(open.stream().filter(TargetRecord::frozen).count());
        metrics.pendingActions.set(db.transaction(Store::pendingCount));
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What an action may ask of the engine while it runs one intent. */
    private final class Context implements RunContext {
        private final Intent intent;
        private final Target target;

        Context(Intent intent, Target target) {
            this.intent = intent;
            this.target = target;
        }

        @Override
        public long intentId() {
            return intent.id();
        }

        @Override
        public List<Target> appliedInGroup() {
            if (target.group() == null) {
                return List.of();
            }
            return db.transaction(c -> Store.appliedInGroup(c, target.group(), target.key())).stream()
                    .map(TargetRecord::target).toList();
        }

        @Override
        public <T> T update(StateWork<T> work) {
            return db.transaction(c -> work.run(new StoreTargetState(c, target, clock.millis())));
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
