package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.action.AdminEndpointFinder;
import dev.gmpwatch.remediator.action.CgroupCpuQuota;
import dev.gmpwatch.remediator.action.GomaxprocsClient;
import dev.gmpwatch.remediator.config.RemediatorConfig.Gomaxprocs;
import dev.gmpwatch.remediator.config.RemediatorConfig.PolicyConfig;
import dev.gmpwatch.remediator.policy.Target;
import dev.gmpwatch.remediator.store.AuditEntry;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.store.GomaxprocsTarget;
import dev.gmpwatch.remediator.store.Intent;
import dev.gmpwatch.remediator.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;

/**
 * GOMAXPROCS tuning: an "idle" alert steps the target down by one, a "saturated" alert up by one,
 * inside ceil(NumCPU/2)..NumCPU (or the configured bounds), never faster than the minimum
 * interval. Both directions firing at once, or too many flips, freeze the target.
 */
final class GomaxprocsSteps {
    static final String STEP_DOWN = "step-down";
    static final String STEP_UP = "step-up";

    private final Database db;
    private final Clock clock;
    private final GomaxprocsClient client = new GomaxprocsClient();
    private final Path proc;
    private final CgroupCpuQuota cgroups;
    private final AdminEndpointFinder finder;

    GomaxprocsSteps(Database db, Clock clock, Path proc) {
        this.db = db;
        this.clock = clock;
        this.proc = proc;
        this.cgroups = new CgroupCpuQuota(proc, Path.of("/sys/fs/cgroup"));
        this.finder = new AdminEndpointFinder(proc, client);
    }

    /**
     * A fresh notification for a gomaxprocs policy; returns the decision and its result. The alert
     * (its fingerprint) is what is active: Alertmanager may resolve it with another startsAt.
     */
    static String[] decide(Connection c, boolean firing, PolicyConfig p, Target t, String fingerprint, String labels, long now)
            throws SQLException {
        Gomaxprocs g = p.action().gomaxprocs();
        GomaxprocsTarget s = GomaxprocsTarget.load(c, t.key()).orElse(GomaxprocsTarget.fresh(t.key()));
        if (!firing) {
            if (fingerprint.equals(s.active(g.direction()))) {
                s.withActive(g.direction(), null).save(c);
            }
            return new String[] {AuditEntry.SKIPPED_DUPLICATE, "resolved: nothing to undo"};
        }
        s = s.withActive(g.direction(), fingerprint);
        if (s.frozen()) {
            s.save(c);
            return new String[] {AuditEntry.SKIPPED_HYSTERESIS, "frozen"};
        }
        String other = g.direction().equals("down") ? s.activeUp() : s.activeDown();
        if (other != null) {
            s.withFrozen().save(c);
            return new String[] {AuditEntry.SKIPPED_HYSTERESIS, "frozen: the idle and saturated alerts fire at once"};
        }
        s.save(c);
        Store.enqueue(c, t.key(), g.direction().equals("down") ? STEP_DOWN : STEP_UP, p.name(), fingerprint, labels, now);
        return new String[] {"queued", "step queued"};
    }

    /** Runs one step; returns {decision, result}. */
    String[] execute(Intent in, PolicyConfig p, Target t) {
        Gomaxprocs g = p.action().gomaxprocs();
        String direction = in.op().equals(STEP_DOWN) ? "down" : "up";
        long now = clock.millis();
        GomaxprocsTarget s = db.transaction(c -> GomaxprocsTarget.load(c, t.key())).orElse(GomaxprocsTarget.fresh(t.key()));
        if (s.frozen()) {
            return new String[] {AuditEntry.SKIPPED_HYSTERESIS, "frozen"};
        }
        if (s.lastSetAt() != null && now - s.lastSetAt() < g.minInterval().toMillis()) {
            return new String[] {AuditEntry.SKIPPED_RATE_LIMITED, "minimum interval " + g.minInterval() + ": last change "
                    + (now - s.lastSetAt()) / 1000 + " s ago"};
        }
        String identity = checkIdentity(t);
        if (identity != null) {
            return new String[] {AuditEntry.FAILED, identity};
        }
        try {
            String url = t.openUrl();
            if (url.startsWith("http://pid-")) {
                url = finder.find(Long.parseLong(t.pid()), g.path(), g.token())
                        .orElseThrow(() -> new IOException("pid " + t.pid() + " serves no " + g.path() + " on a local port"));
            }
            String adminUrl = url;
            GomaxprocsClient.Reading r = g.actuator().equals("cgroup") ? readCgroup(t) : client.read(adminUrl, g.token());
            int min = g.min() > 0 ? g.min() : (r.numCpu() + 1) / 2;
            int max = g.max() > 0 ? g.max() : r.numCpu();
            int next = r.gomaxprocs() + (direction.equals("down") ? -1 : 1);
            if (next < min || next > max) {
                return new String[] {AuditEntry.SKIPPED_RATE_LIMITED, "at bound: GOMAXPROCS " + r.gomaxprocs()
                        + " within " + min + ".." + max};
            }
            boolean flip = s.lastDirection() != null && !s.lastDirection().equals(direction);
            int flips = flip ? db.transaction(c -> GomaxprocsTarget.recordFlip(c, t.key(), now, now - g.flipWithin().toMillis())) : 0;
            if (flips > g.maxFlips()) {
                db.transaction(c -> {
                    s.withFrozen().save(c);
                    return null;
                });
                return new String[] {AuditEntry.SKIPPED_HYSTERESIS, "frozen: " + flips + " direction changes within " + g.flipWithin()};
            }
            // Record the step before making it: if we crash in between, the restarted executor sees
            // a change inside the minimum interval and does not step a second time.
            db.transaction(c -> {
                GomaxprocsTarget.load(c, t.key()).orElse(s).withStep(next, now, direction).save(c);
                return null;
            });
            GomaxprocsClient.Reading after;
            try {
                after = g.actuator().equals("cgroup") ? setCgroup(t, next) : client.set(adminUrl, g.token(), next);
            } catch (IOException | RuntimeException e) {
                db.transaction(c -> {
                    s.save(c); // it did not happen: forget the recorded step
                    return null;
                });
                throw e;
            }
            if (after.gomaxprocs() != next) {
                return new String[] {AuditEntry.FAILED, "asked for " + next + ", the target reports " + after.gomaxprocs()};
            }
            String what = g.actuator().equals("cgroup") ? "CPU quota " : "GOMAXPROCS ";
            return new String[] {AuditEntry.EXECUTED, what + r.gomaxprocs() + " -> " + next};
        } catch (IOException | RuntimeException e) {
            return new String[] {AuditEntry.FAILED, e.getMessage()};
        }
    }

    /** The cgroup actuator's view: the quota in whole CPUs stands in for GOMAXPROCS. */
    private GomaxprocsClient.Reading readCgroup(Target t) throws IOException {
        Path cg = cgroups.cgroupOf(Long.parseLong(t.pid()));
        int cpus = Runtime.getRuntime().availableProcessors();
        int quota = cgroups.quotaCpus(cg).map(q -> (int) Math.ceil(q)).orElse(cpus);
        return new GomaxprocsClient.Reading(Math.min(quota, cpus), cpus, false);
    }

    private GomaxprocsClient.Reading setCgroup(Target t, int cpus) throws IOException {
        Path cg = cgroups.cgroupOf(Long.parseLong(t.pid()));
        cgroups.setQuotaCpus(cg, cpus);
        return readCgroup(t);
    }

    /** A PID from the alert must still run the executable the alert named. */
    private String checkIdentity(Target t) {
        if (t.pid().isEmpty()) {
            return null;
        }
        try {
            String running = Files.readSymbolicLink(proc.resolve(t.pid()).resolve("exe")).getFileName().toString()
                    .replace(" (deleted)", "");
            if (!t.exe().isEmpty() && !running.equals(t.exe())) {
                return "pid " + t.pid() + " now runs " + running + ", not " + t.exe() + ": refused";
            }
            return null;
        } catch (IOException e) {
            return "pid " + t.pid() + " is gone: refused";
        }
    }
}
