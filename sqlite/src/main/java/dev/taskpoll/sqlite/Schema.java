package dev.taskpoll.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's schema and its migrations. The version is SQLite's {@code PRAGMA user_version}; migration {@code n}
 * takes a file from version {@code n} to {@code n + 1}, and all the migrations a file needs run in one transaction:
 * a file is migrated completely or not at all. A file is a taskpoll store when its {@code meta} table says
 * {@code application = taskpoll}; an empty file becomes one.
 */
final class Schema {

    /** Each step, in order: step {@code i} takes version {@code i} to {@code i + 1}. */
    static final List<List<String>> MIGRATIONS = List.of(
            List.of(
                    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                    "INSERT INTO meta (key, value) VALUES ('application', 'taskpoll')",
                    // submits: the intent before the request leaves; outcome null = in doubt
                    "CREATE TABLE intents (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, model TEXT NOT NULL,"
                            + " request TEXT NOT NULL, at INTEGER NOT NULL, outcome TEXT, task_id TEXT, reason TEXT)",
                    "CREATE INDEX intents_in_doubt ON intents (outcome) WHERE outcome IS NULL",
                    // tracked tasks; times in epoch ms
                    "CREATE TABLE tasks (rowid INTEGER PRIMARY KEY, dialect TEXT NOT NULL, id TEXT NOT NULL,"
                            + " kind TEXT NOT NULL, model TEXT, initial_ms INTEGER NOT NULL, period_ms INTEGER NOT NULL,"
                            + " deadline_ms INTEGER NOT NULL, started_at INTEGER NOT NULL, deadline_at INTEGER NOT NULL,"
                            + " first_due INTEGER NOT NULL, submitted_at INTEGER NOT NULL, ended_at INTEGER,"
                            + " end_error TEXT, intent_id INTEGER NOT NULL DEFAULT 0, origin TEXT, UNIQUE (dialect, id))",
                    "CREATE INDEX tasks_open ON tasks (ended_at) WHERE ended_at IS NULL",
                    "CREATE INDEX tasks_id ON tasks (id)",
                    "CREATE TABLE history (task INTEGER NOT NULL REFERENCES tasks (rowid) ON DELETE CASCADE,"
                            + " at INTEGER NOT NULL, status TEXT NOT NULL)",
                    "CREATE INDEX history_task ON history (task)",
                    "CREATE TABLE results (task INTEGER NOT NULL REFERENCES tasks (rowid) ON DELETE CASCADE,"
                            + " idx INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
                            + " stored_at INTEGER NOT NULL, PRIMARY KEY (task, idx))"),
            // 1 -> 2: what a learning cadence learned, per model: its recent completions as "lo:hi" pairs (ms)
            List.of(
                    "CREATE TABLE models (key TEXT PRIMARY KEY, observations INTEGER NOT NULL,"
                            + " window TEXT NOT NULL, saved_at INTEGER NOT NULL)"),
            // 2 -> 3: the request's shape, part of a learned cadence's model key (null: unknown)
            List.of("ALTER TABLE tasks ADD COLUMN shape TEXT"),
            // 3 -> 4: lookups by id alone (a task's record: people's queries, a capture's, a follower's) probe the
            // (dialect, id) index once per dialect: an index on id was one more B-tree insert per task, at a random
            // place (ids are random)
            List.of("DROP INDEX IF EXISTS tasks_id"));

    /** The version this code writes. */
    static final int CURRENT = MIGRATIONS.size();

    private Schema() {
    }

    /**
     * Brings the file to {@link #CURRENT} with {@code migrations} (the real ones but in tests). Throws a
     * {@link StoreProblem} when the file is not a taskpoll store or is from a newer taskpoll; on any failure the file
     * is left as it was.
     */
    static void migrate(Connection c, List<List<String>> migrations) throws SQLException {
        int target = migrations.size();
        if (userVersion(c) == target) { // the usual case, without the write lock
            check(c, target);
            return;
        }
        // anything else is decided under the write lock, in one snapshot: outside a transaction, the version and the
        // tables are read in two, and a process migrating the file between them made it look foreign
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false); // BEGIN IMMEDIATE: one process migrates a file at a time
        try (Statement st = c.createStatement()) {
            // read again under the write lock: a process opening the same new file at once may have migrated it
            int version = check(c, target);
            for (int v = version; v < target; v++) {
                for (String sql : migrations.get(v)) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = " + target);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** The file's version, once it is known to be a taskpoll store this code can migrate; else a {@link StoreProblem}. */
    static int check(Connection c, int target) throws SQLException {
        int version = userVersion(c);
        if (version > target) {
            throw new StoreProblem("its schema is version " + version + ", newer than this taskpoll's (" + target
                    + "); use a newer taskpoll, or another file");
        }
        if (version == 0 && hasTables(c)) {
            throw new StoreProblem("it is an SQLite database but not a taskpoll store (it has tables of its own)");
        }
        if (version > 0 && !isTaskpoll(c)) {
            throw new StoreProblem("it is an SQLite database but not a taskpoll store (no taskpoll meta table)");
        }
        return version;
    }

    static int userVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static boolean hasTables(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table'")) {
            return rs.next() && rs.getInt(1) > 0;
        }
    }

    private static boolean isTaskpoll(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT value FROM meta WHERE key = 'application'")) {
            return rs.next() && "taskpoll".equals(rs.getString(1));
        } catch (SQLException e) {
            return false; // no meta table
        }
    }

    /** What is wrong with a file, said plainly; the store adds the file's name. */
    static final class StoreProblem extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreProblem(String message) {
            super(message, null, false, false);
        }
    }
}
