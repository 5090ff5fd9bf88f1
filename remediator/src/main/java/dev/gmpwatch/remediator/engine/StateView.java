package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.core.AuditEntry;
import dev.gmpwatch.remediator.core.PendingIntent;
import dev.gmpwatch.remediator.core.TargetRecord;
import dev.gmpwatch.remediator.store.Database;
import dev.gmpwatch.remediator.store.Store;
import java.util.List;

/**
 * The engine's state as the HTTP API may read it: the audit log, the open circuits and the work
 * still queued. Each call is one short read transaction; a store that cannot be reached throws
 * {@link dev.gmpwatch.remediator.core.StoreException}, which the API answers with a 503.
 */
public final class StateView {
    private final Database db;

    public StateView(Database db) {
        this.db = db;
    }

    /** A page of the audit log, newest first. */
    public List<AuditEntry> audit(int limit, int offset) {
        return db.transaction(c -> Store.auditPage(c, limit, offset));
    }

    public List<TargetRecord> openCircuits() {
        return db.transaction(Store::openCircuits);
    }

    public List<PendingIntent> pendingIntents() {
        return db.transaction(Store::pendingIntents);
    }

    /** Reads the store once; throws when it cannot be reached (readiness). */
    public void checkReachable() {
        db.transaction(c -> Store.openCircuits(c).size());
    }
}
