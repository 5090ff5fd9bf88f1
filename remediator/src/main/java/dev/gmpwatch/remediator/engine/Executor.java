package dev.gmpwatch.remediator.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.action.HaproxyAction;
import dev.gmpwatch.remediator.action.HttpAction;
import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.policy.Policies;
import dev.gmpwatch.remediator.policy.Target;
import dev.gmpwatch.remediator.policy.UnsafeLabelException;
import dev.gmpwatch.remediator.store.AuditEntry;
import dev.gmpwatch.remediator.store.Circuit;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.store.Intent;
import dev.gmpwatch.remediator.store.Store;
import dev.gmpwatch.remediator.web.RemediatorMetrics;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs queued intents against the targets, one at a time, and turns due restores into intents.
 * An intent is claimed before the side effect and finished after it; after a crash, claimed but
 * unfinished intents run again (setting a server state is idempotent and is verified).
 */
public final class Executor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("gmpwatch.remediator.executor");
    private static final long RETRY_CLOSE_MILLIS = 10_000;
    private static final ObjectMapper LABELS_JSON = new ObjectMapper();

    private final Database db;
    private final Policies policies;
    private final HaproxyAction haproxy;
    private final HttpAction http = new HttpAction();
    private final GomaxprocsSteps gomaxprocs;
    private final Clock clock;
    private final RemediatorMetrics metrics;
    private final boolean dryRun;
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    public Executor(Database db, Policies policies, HaproxyAction haproxy, Clock clock, RemediatorMetrics metrics, boolean dryRun) {
        this.db = db;
        this.policies = policies;
        this.haproxy = haproxy;
        this.clock = clock;
        this.metrics = metrics;
        this.dryRun = dryRun;
        this.gomaxprocs = new GomaxprocsSteps(db, clock, java.nio.file.Path.of("/proc"));
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
        scheduleDueRestores();
        boolean ran = false;
        Optional<Intent> next;
        while ((next = db.transaction(c -> Store.claimNext(c, clock.millis()))).isPresent()) {
            execute(next.get());
            ran = true;
        }
        if (ran) {
            updateGauges(); // circuits only change state when an intent runs
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
            for (Circuit k : Store.dueRestores(c, now)) {
                Store.saveCircuit(c, k.with(k.state(), k.openedAt(), null, k.frozen()));
                Store.enqueue(c, k.target(), Intent.CLOSE, k.policy(), null, null, now);
            }
            return null;
        });
    }

    private void execute(Intent in) {
        Optional<PolicyConfig> policy = policies.all().stream().filter(p -> p.name().equals(in.policy())).findFirst();
        if (policy.isPresent() && policy.get().action().type().equals("gomaxprocs")) {
            step(in, policy.get());
            return;
        }
        Circuit k = db.transaction(c -> Store.circuit(c, in.target())).orElse(null);
        if (policy.isEmpty() || k == null) {
            db.transaction(c -> {
                Store.finish(c, in.id(), "dropped", clock.millis());
                Store.audit(c, clock.millis(), in.fingerprint(), in.labels(), in.policy(), "-", in.target(),
                        AuditEntry.FAILED, "policy or circuit no longer exists");
                return null;
            });
            return;
        }
        Target t = k.action();
        if (in.op().equals(Intent.OPEN)) {
            open(in, policy.get(), k, t);
        } else {
            close(in, policy.get(), k, t);
        }
    }

    private void open(Intent in, PolicyConfig p, Circuit k, Target t) {
        String state = t.type().equals("http") ? "open" : p.action().openState();
        String result;
        String decision;
        try {
            if (!dryRun && t.type().equals("haproxy")) {
                Optional<String> refusal = haproxy.checkCaps(t, p.maxOpenFraction()).refusal();
                if (refusal.isPresent()) {
                    finishOpen(in, k, false, AuditEntry.SKIPPED_RATE_LIMITED, refusal.get(), p);
                    return;
                }
            }
            result = dryRun ? "would set " + state : actuate(t, p, in, true, state);
            decision = dryRun ? AuditEntry.DRY_RUN : AuditEntry.EXECUTED;
            metrics.actions.labels(t.type(), dryRun ? "dry-run" : "ok").inc();
        } catch (IOException | RuntimeException e) {
            metrics.actions.labels(t.type(), "error").inc();
            finishOpen(in, k, false, AuditEntry.FAILED, "set " + state + ": " + e.getMessage(), p);
            return;
        }
        finishOpen(in, k, true, decision, result, p);
    }

    private void finishOpen(Intent in, Circuit k, boolean opened, String decision, String result, PolicyConfig p) {
        db.transaction(c -> {
            long now = clock.millis();
            Store.finish(c, in.id(), opened ? "done" : "refused", now);
            Store.audit(c, now, in.fingerprint(), in.labels(), in.policy(), k.action().type(), in.target(), decision, result);
            metrics.decisions.labels(decision).inc();
            if (!opened) {
                Store.saveCircuit(c, closed(k));
                return null;
            }
            int opens = Store.recordOpen(c, k.target(), now, now - p.flapWithin().toMillis());
            if (opens > p.flapMaxCycles()) {
                Store.saveCircuit(c, k.with("open", k.openedAt(), null, true));
                Store.audit(c, now, in.fingerprint(), in.labels(), in.policy(), k.action().type(), in.target(),
                        AuditEntry.SKIPPED_HYSTERESIS, "frozen open: " + opens + " opens within " + p.flapWithin());
                metrics.decisions.labels(AuditEntry.SKIPPED_HYSTERESIS).inc();
            }
            return null;
        });
    }

    private void close(Intent in, PolicyConfig p, Circuit k, Target t) {
        try {
            String result = dryRun ? "would restore" : actuate(t, p, in, false, "ready");
            metrics.actions.labels(t.type(), dryRun ? "dry-run" : "ok").inc();
            db.transaction(c -> {
                long now = clock.millis();
                Store.finish(c, in.id(), "done", now);
                Store.saveCircuit(c, closed(k));
                String decision = dryRun ? AuditEntry.DRY_RUN : AuditEntry.EXECUTED;
                Store.audit(c, now, null, null, in.policy(), t.type(), in.target(), decision, "restored: " + result);
                metrics.decisions.labels(decision).inc();
                return null;
            });
        } catch (IOException | RuntimeException e) {
            metrics.actions.labels(t.type(), "error").inc();
            db.transaction(c -> {
                long now = clock.millis();
                Store.finish(c, in.id(), "failed", now);
                // Still open: try the restore again shortly.
                Store.saveCircuit(c, k.with("open", k.openedAt(), now + RETRY_CLOSE_MILLIS, k.frozen()));
                Store.audit(c, now, null, null, in.policy(), t.type(), in.target(), AuditEntry.FAILED,
                        "restore: " + e.getMessage() + "; retrying");
                metrics.decisions.labels(AuditEntry.FAILED).inc();
                return null;
            });
        }
    }

    private static Circuit closed(Circuit k) {
        return k.with("closed", null, null, false);
    }

    /** A GOMAXPROCS step: the target is rendered again from the alert's labels stored with the intent. */
    private void step(Intent in, PolicyConfig p) {
        String[] outcome;
        try {
            Map<String, String> labels = LABELS_JSON.readValue(in.labels(), new TypeReference<Map<String, String>>() { });
            Target t = policies.match(labels).stream().filter(m -> m.policy().name().equals(p.name())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the policy no longer matches")).target();
            outcome = dryRun ? new String[] {AuditEntry.DRY_RUN, "would " + in.op()} : gomaxprocs.execute(in, p, t);
        } catch (IOException | UnsafeLabelException | RuntimeException e) {
            outcome = new String[] {AuditEntry.FAILED, e.getMessage()};
        }
        String[] o = outcome;
        metrics.actions.labels("gomaxprocs", o[0]).inc();
        metrics.decisions.labels(o[0]).inc();
        db.transaction(c -> {
            long now = clock.millis();
            Store.finish(c, in.id(), o[0].equals(AuditEntry.EXECUTED) ? "done" : "refused", now);
            Store.audit(c, now, in.fingerprint(), in.labels(), in.policy(), "gomaxprocs", in.target(), o[0], o[1]);
            return null;
        });
    }

    /** Runs the side effect for a target of either kind. */
    private String actuate(Target t, PolicyConfig p, Intent in, boolean open, String haproxyState) throws IOException {
        if (t.type().equals("http")) {
            return http.call(t.method(), open ? t.openUrl() : t.closeUrl(), open ? "open" : "close", in.id(),
                    p.action().timeout(), p.action().retries());
        }
        return haproxy.apply(t, haproxyState);
    }

    private void updateGauges() {
        List<Circuit> open = db.transaction(Store::openCircuits);
        metrics.openCircuits.set(open.size());
        metrics.frozenCircuits.set(open.stream().filter(Circuit::frozen).count());
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
