package dev.gmpwatch.remediator.store;

import dev.gmpwatch.remediator.config.ActionTypes;
import dev.gmpwatch.remediator.core.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A JDBC database (SQLite by default, PostgreSQL for several replicas) with versioned migrations
 * from db/V{n}__*.sql, and serializable transactions.
 */
public final class Database implements AutoCloseable {
    /** A schema step: a script from db/, then Java that moves rows the script cannot. */
    private record Migration(String script, RowMove moveRows) {
    }

    /** Java that moves rows after a migration's script, knowing the action types. */
    private interface RowMove {
        void run(Connection c, ActionTypes types) throws SQLException;
    }

    /** Migrations in order; add one here to change the schema. */
    private static final Migration[] MIGRATIONS = {
        new Migration("V1__init.sql", null),
        new Migration("V2__http_action.sql", null),
        new Migration("V3__gomaxprocs.sql", null),
        new Migration("V4__action_state.sql", V4ActionState::migrate),
    };

    /** Work done inside one transaction. */
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final String url;
    private final ActionTypes types;
    private final String dialect;
    private final Connection sqlite;
    private final java.util.concurrent.locks.ReentrantLock sqliteLock = new java.util.concurrent.locks.ReentrantLock(true);

    /** @param types the action types, which say how their rows of older schemas migrate */
    public Database(String url, ActionTypes types) {
        this.url = url;
        this.types = types;
        this.dialect = url.startsWith("jdbc:postgresql:") ? "postgresql" : "sqlite";
        try {
            // SQLite allows one writer: share one connection, serialised by this object.
            this.sqlite = dialect.equals("sqlite") ? DriverManager.getConnection(url) : null;
            if (sqlite != null) {
                try (Statement s = sqlite.createStatement()) {
                    s.execute("PRAGMA journal_mode=WAL");
                    // WAL + NORMAL: a commit survives kill -9 of this process (the OS holds the WAL);
                    // only a power loss can lose the last commits. FULL would fsync every webhook.
                    s.execute("PRAGMA synchronous=NORMAL");
                    s.execute("PRAGMA busy_timeout=5000");
                }
            }
            migrate();
        } catch (SQLException e) {
            throw new StoreException("cannot open the store " + redact(url) + ": " + e.getMessage(), e);
        }
    }

    public <T> T transaction(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (sqlite != null) {
                    // A fair lock: under load, writers are served in arrival order, which keeps the tail short.
                    sqliteLock.lock();
                    try {
                        return inTransaction(sqlite, work);
                    } finally {
                        sqliteLock.unlock();
                    }
                }
                try (Connection c = DriverManager.getConnection(url)) {
                    c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                    return inTransaction(c, work);
                }
            } catch (SQLException e) {
                // Serialization failures (40001), deadlocks (40P01) and a concurrent insert of the
                // same key (23505) are retried: the retry then sees the other replica's row.
                String state = e.getSQLState();
                boolean retry = state != null && (state.startsWith("40") || state.equals("23505")) && attempt < 30;
                if (!retry) {
                    throw new StoreException("store: " + firstLine(e.getMessage()), e);
                }
                backOff(attempt);
            }
        }
    }

    private static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private void migrate() throws SQLException {
        transaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
                int current = 0;
                try (ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
                    if (rs.next()) {
                        current = rs.getInt(1);
                    }
                }
                for (int v = current + 1; v <= MIGRATIONS.length; v++) {
                    Migration m = MIGRATIONS[v - 1];
                    for (String stmt : script(m.script()).split(";")) {
                        if (!stmt.replaceAll("--[^\n]*", "").isBlank()) {
                            s.execute(stmt);
                        }
                    }
                    if (m.moveRows() != null) {
                        m.moveRows().run(c, types);
                    }
                    s.execute("INSERT INTO schema_version (version) VALUES (" + v + ")");
                }
            }
            return null;
        });
    }

    /** One script serves both dialects; only the auto-increment key differs. */
    private String script(String name) {
        String path = "/db/" + name;
        try (InputStream in = Database.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("migration " + path + " is missing from the jar");
            }
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return dialect.equals("postgresql") ? sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY") : sql;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    /** A short random pause, so that replicas that collided do not collide again in step. */
    private static void backOff(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 5L * Math.min(attempt, 10) + 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while retrying a transaction", e);
        }
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    private static String redact(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    @Override
    public void close() {
        if (sqlite != null) {
            try {
                sqlite.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }
}
