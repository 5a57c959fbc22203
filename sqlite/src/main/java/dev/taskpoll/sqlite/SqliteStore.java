package dev.taskpoll.sqlite;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.StoreCodec;
import dev.taskpoll.spi.TaskStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The embedded task store: one SQLite file in WAL mode, so that tracking survives a restart, a deploy or a
 * {@code kill -9}. A committed write survives an application crash (WAL mode); the file can be read with the
 * {@code sqlite3} shell.
 *
 * <pre>{@code
 * TrackerOptions.builder().store(SqliteStore.open(Path.of("tasks.db")))   // the one line
 * }</pre>
 *
 * <p>Every database call runs on the store's own thread (JDBC blocks), with group commit: what queued up while the
 * previous transaction ran is committed in the next. Callers' {@code Mono}s complete after the commit, on
 * {@link SqliteStoreOptions#scheduler()}.
 *
 * <p>One process tracks a file at a time: a tracking store takes the file's lock ({@code <file>.lock}) and a second
 * tracker is refused with a message naming the holder's pid; but stores opened with
 * {@link SqliteStoreOptions.Builder#resume resume(false)}, each tracking only its own tasks, share the lock with each
 * other (never with one that resumes, which would adopt their tasks). Other processes may open the file with
 * {@code tracking(false)} to add tasks (their submits) and read; a tracking store picks up the tasks they add
 * within {@link SqliteStoreOptions#scanEvery()}.
 *
 * <p>Opening checks the file: not a database, not a taskpoll store, a newer schema, a read-only file or directory:
 * each is a {@link TaskStoreException} naming the file and the problem, and the file is left as it was (a migration
 * runs in one transaction). Ended tasks are kept for {@link SqliteStoreOptions#retention()}, then pruned.
 *
 * <p>The client that uses the store closes it when it closes ({@link #close()} commits what was written, then
 * releases the lock).
 */
public final class SqliteStore implements TaskStore {

    private static final Logger log = Loggers.getLogger(SqliteStore.class);

    private final Path file;
    private final SqliteStoreOptions options;
    private final Connection connection;
    private final StoreThread thread;
    private final @Nullable TrackingLock lock;
    private final Disposable pruning;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** This instance's mark on the rows it inserts: its scans for tasks others add leave them out. */
    private final String origin = java.util.UUID.randomUUID().toString();

    private SqliteStore(Path file, SqliteStoreOptions options, Connection connection, @Nullable TrackingLock lock) {
        this.file = file;
        this.options = options;
        this.connection = connection;
        this.lock = lock;
        this.thread = new StoreThread(connection, file.toString(), options.scheduler(), options.maxQueued(),
                options.commitDelay());
        this.pruning = options.tracking()
                ? Flux.interval(Duration.ofHours(1), Duration.ofHours(1), options.scheduler())
                .concatMap(t -> prune().onErrorResume(e -> Mono.empty())).subscribe()
                : () -> { };
    }

    /** A tracking store of {@code file} (created when missing), with the default options. */
    public static SqliteStore open(Path file) {
        return open(file, SqliteStoreOptions.defaults());
    }

    /**
     * Opens {@code file} (created, with its directory, when missing): checks that it is a taskpoll store (or empty),
     * migrates it to this version's schema, takes the tracking lock when {@code options.tracking()}. Blocks while it
     * does: call it at start-up, not on an event loop.
     *
     * @throws TaskStoreException naming the file and the problem
     */
    public static SqliteStore open(Path file, SqliteStoreOptions options) {
        return open(file, options, Schema.MIGRATIONS);
    }

    static SqliteStore open(Path file, SqliteStoreOptions options, List<List<String>> migrations) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        Path abs = file.toAbsolutePath().normalize();
        checkWritable(abs);
        refuseForeign(abs, migrations.size()); // before the lock file and WAL mode: a file refused is left as it was
        TrackingLock lock = options.tracking() ? TrackingLock.take(real(abs), !options.resume()) : null;
        Connection c = null;
        try {
            org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
            config.setGetGeneratedKeys(false); // asked for by hand where needed: it costs a query per write
            // a transaction takes the write lock when it begins: one that read first (a task's row) and wrote after
            // another process's commit would fail at once with a stale snapshot instead of waiting its turn
            config.setTransactionMode(org.sqlite.SQLiteConfig.TransactionMode.IMMEDIATE);
            // a new file opened by two processes at once: the one that does not turn it to WAL first can be told
            // SQLITE_BUSY without SQLite's busy wait; it opens again, for at most 5 s (open blocks, by contract; a
            // BUSY after the busy wait itself, 10 s, is not tried again)
            long retryUntil = System.nanoTime() + 5_000_000_000L;
            for (;;) {
                c = DriverManager.getConnection("jdbc:sqlite:" + abs, config.toProperties());
                try {
                    try (Statement st = c.createStatement()) {
                        st.execute("PRAGMA busy_timeout = 10000"); // other processes add tasks: wait for their commits
                        st.execute("PRAGMA journal_mode = WAL");
                        st.execute("PRAGMA synchronous = NORMAL"); // WAL: a committed transaction survives our crash
                        st.execute("PRAGMA foreign_keys = ON");
                    }
                    Schema.migrate(c, migrations);
                    break;
                } catch (SQLException e) {
                    if (System.nanoTime() > retryUntil || !String.valueOf(e.getMessage()).contains("SQLITE_BUSY")) {
                        throw e;
                    }
                    close(c);
                    c = null;
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                }
            }
            if (options.tracking()) {
                StoreThread.Statements once = new StoreThread.Statements(c);
                prune(once, pruneBefore(options)); // at opening (before the store's thread runs), then every hour
                once.close();
            }
            return new SqliteStore(abs, options, c, lock);
        } catch (SQLException | RuntimeException e) {
            close(c);
            if (lock != null) {
                lock.close();
            }
            throw openProblem(abs, e);
        }
    }

    /**
     * Refuses a file that is not a taskpoll store (another application's database, a newer schema, not a database)
     * before anything is written to or beside it: read in one snapshot, on a connection of its own (opened as SQLite
     * opens any file: a database in rollback-journal mode stays so). A file that does not exist yet passes.
     */
    private static void refuseForeign(Path file, int target) {
        if (!Files.exists(file)) {
            return;
        }
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA busy_timeout = 10000");
            }
            c.setAutoCommit(false); // a deferred transaction: one snapshot for the version and the tables, no lock
            try {
                Schema.check(c, target);
            } finally {
                try {
                    c.rollback();
                } catch (SQLException e) {
                    // nothing to undo (the read failed before its transaction began): the read's failure is the one
                }
            }
        } catch (SQLException | RuntimeException e) {
            throw openProblem(file, e);
        } finally {
            close(c);
        }
    }

    /**
     * The file as the file system resolves it (symbolic links followed): the tracking lock is taken beside it, so that
     * two names of one file (a link) share one lock.
     */
    private static Path real(Path file) {
        try {
            return Files.exists(file) ? file.toRealPath() : file.getParent().toRealPath().resolve(file.getFileName());
        } catch (IOException e) {
            return file;
        }
    }

    private static void checkWritable(Path file) {
        Path dir = file.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TaskStoreException("task store " + file + ": cannot create its directory " + dir + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new TaskStoreException("task store " + file + ": the file is read-only; taskpoll records every"
                    + " task it tracks there, so it needs to write it");
        }
        if (!Files.isWritable(dir)) {
            throw new TaskStoreException("task store " + file + ": its directory " + dir + " is read-only (SQLite"
                    + " keeps its write-ahead log beside the file)");
        }
    }

    private static TaskStoreException openProblem(Path file, Throwable e) {
        if (e instanceof TaskStoreException t) {
            return t;
        }
        if (e instanceof Schema.StoreProblem p) {
            return new TaskStoreException("task store " + file + ": " + p.getMessage() + "; nothing was changed");
        }
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("SQLITE_NOTADB") || msg.contains("not a database")) {
            return new TaskStoreException("task store " + file + ": the file is not an SQLite database (nor a"
                    + " taskpoll store); nothing was changed", null, e);
        }
        if (msg.contains("SQLITE_READONLY") || msg.contains("readonly")) {
            return new TaskStoreException("task store " + file + ": the file is read-only", null, e);
        }
        if (msg.contains("SQLITE_FULL")) {
            return new TaskStoreException("task store " + file + ": the disk is full", null, e);
        }
        if (msg.contains("SQLITE_IOERR") && full(file)) {
            // a full disk shows as an I/O error when SQLite cannot grow the write-ahead log's shared memory file
            return new TaskStoreException("task store " + file + ": the disk is full (no space left on the file"
                    + " system of " + file.getParent() + "; SQLite said: " + msg + ")", null, e);
        }
        return new TaskStoreException("task store " + file + ": cannot be opened (" + e.getClass().getSimpleName()
                + ": " + msg + ")", null, e);
    }

    /** Whether the file system the file is on has (almost) no space left: less than a page of the store's. */
    private static boolean full(Path file) {
        try {
            return Files.getFileStore(file.getParent()).getUsableSpace() < 4096;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The file. */
    public Path file() {
        return file;
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public boolean tracking() {
        return options.tracking();
    }

    // ---- writes

    @Override
    public Mono<Long> intent(Intent intent) {
        return thread.write(c -> {
            PreparedStatement ps = c.ps("INSERT INTO intents (kind, model, request, at) VALUES (?, ?, ?, ?)");
            ps.setString(1, StoreCodec.kind(intent.kind()));
            ps.setString(2, intent.model());
            ps.setString(3, intent.request());
            ps.setLong(4, intent.at().toEpochMilli());
            ps.executeUpdate();
            return lastInsertRowid(c);
        });
    }

    @Override
    public Mono<Void> submitted(long intentId, Tracked task) {
        return thread.write(c -> {
            PreparedStatement ps = c.ps("UPDATE intents SET outcome = 'SUBMITTED', task_id = ?"
                    + " WHERE id = ?");
            ps.setString(1, task.ref().id());
            ps.setLong(2, intentId);
            ps.executeUpdate();
            insertTask(c, task, intentId);
            return null;
        });
    }

    @Override
    public Mono<Void> notCreated(long intentId, String reason) {
        return thread.write(c -> {
            PreparedStatement ps = c.ps("UPDATE intents SET outcome = 'NOT_CREATED', reason = ?"
                    + " WHERE id = ?");
            ps.setString(1, reason.length() > 1000 ? reason.substring(0, 1000) : reason);
            ps.setLong(2, intentId);
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public Mono<Tracked> started(Tracked task) {
        return thread.write(c -> {
            if (insertTask(c, task, 0)) {
                return task; // what was just written: reading it back cost a query and a status decode per task
            }
            Tracked held = tracked(c, task.ref().kind().dialect().name(), task.ref().id());
            return held != null ? held : task;
        });
    }

    /**
     * Inserts the task unless it is there (an existing record wins), with its first status in the history; true if it
     * inserted it. A tracking store keeps the new row's id for the task's status changes until its end
     * ({@link RowIds}); one that only records submits does not (it sees no end, so nothing would forget them).
     */
    private boolean insertTask(StoreThread.Statements c, Tracked t, long intentId) throws SQLException {
        TaskRef ref = t.ref();
        PollPolicy p = Objects.requireNonNull(ref.policy(), "ref.policy");
        TaskStatus last = t.last();
        PreparedStatement ps = c.ps("INSERT OR IGNORE INTO tasks (dialect, id, kind, model,"
                + " initial_ms, period_ms, deadline_ms, started_at, deadline_at, first_due, submitted_at, intent_id,"
                + " origin, shape) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        ps.setString(1, ref.kind().dialect().name());
        ps.setString(2, ref.id());
        ps.setString(3, StoreCodec.kind(ref.kind()));
        ps.setString(4, ref.model());
        ps.setLong(5, p.initialDelay().toMillis());
        ps.setLong(6, p.period().toMillis());
        ps.setLong(7, p.deadline().toMillis());
        ps.setLong(8, t.startedAt().toEpochMilli());
        ps.setLong(9, t.deadline().toEpochMilli());
        ps.setLong(10, t.firstDue());
        ps.setLong(11, t.startedAt().toEpochMilli());
        ps.setLong(12, intentId);
        ps.setString(13, origin);
        ps.setString(14, ref.shape());
        if (ps.executeUpdate() != 1) {
            return false;
        }
        long row = lastInsertRowid(c);
        if (last != null) {
            history(c, row, last);
        }
        if (options.tracking()) {
            c.rows(ref.kind().dialect()).put(ref.id(), row);
        }
        return true;
    }

    /** The row id of the row this connection inserted last. */
    private static long lastInsertRowid(StoreThread.Statements c) throws SQLException {
        try (ResultSet keys = c.ps("SELECT last_insert_rowid()").executeQuery()) {
            keys.next();
            return keys.getLong(1);
        }
    }

    /**
     * A change is one row appended to the history (the task's latest status is its last row): appends fill pages in
     * order, where rewriting each task's row dirtied a page per change and every commit wrote them all again. The
     * task's row id comes from the thread's {@link RowIds} when it has it (no lookup by id).
     */
    @Override
    public Mono<Void> status(TaskRef task, TaskStatus status) {
        return thread.write(c -> {
            // a task resumed, or recorded before the thread last forgot its row ids: looked up once, then kept
            history(c, rowid(c, task, options.tracking()), status);
            return null;
        });
    }

    private static void history(StoreThread.Statements c, long row, TaskStatus status) throws SQLException {
        PreparedStatement ps = c.ps("INSERT INTO history (task, at, status) VALUES (?, ?, ?)");
        ps.setLong(1, row);
        ps.setLong(2, status.observedAt().toEpochMilli());
        ps.setString(3, StoreCodec.status(status));
        ps.executeUpdate();
    }

    private static SQLException notRecorded(TaskRef task) {
        return new SQLException("task '" + task.id() + "' is not recorded");
    }

    @Override
    public Mono<Void> captured(TaskRef task, StoredFile f) {
        return thread.write(c -> {
            PreparedStatement ps = c.ps("INSERT OR REPLACE INTO results (task, idx, path, size,"
                    + " sha256, stored_at) VALUES (?, ?, ?, ?, ?, ?)");
            ps.setLong(1, rowid(c, task, false));
            ps.setInt(2, f.index());
            ps.setString(3, f.path());
            ps.setLong(4, f.size());
            ps.setString(5, f.sha256());
            ps.setLong(6, options.scheduler().now(java.util.concurrent.TimeUnit.MILLISECONDS));
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public Mono<Void> ended(TaskRef task, Ending ending) {
        return thread.write(c -> {
            long row = rowid(c, task, false);
            TaskStatus terminal = ending.status();
            if (terminal != null && differsFromLast(c, row, terminal)) {
                history(c, row, terminal);
            }
            PreparedStatement ps = c.ps("UPDATE tasks SET ended_at = ?, end_error = ?"
                    + " WHERE rowid = ?");
            ps.setLong(1, ending.at().toEpochMilli());
            ps.setString(2, ending.error());
            ps.setLong(3, row);
            if (ps.executeUpdate() != 1) {
                throw notRecorded(task);
            }
            c.rows(task.kind().dialect()).remove(task.id());
            return null;
        });
    }

    /** A task's latest status: the last row of its history. */
    static final String LAST = "(SELECT status FROM history h WHERE h.task = tasks.rowid ORDER BY h.rowid DESC LIMIT 1)";

    /**
     * Whether {@code status} differs from the task's latest recorded one. Its state is read by SQLite from the JSON
     * first: a terminal status after a running one (the usual end) is decided without decoding anything.
     */
    private static boolean differsFromLast(StoreThread.Statements c, long row, TaskStatus status) throws SQLException {
        PreparedStatement ps = c.ps("SELECT json_extract(status, '$.state'), status FROM history WHERE task = ?"
                + " ORDER BY rowid DESC LIMIT 1");
        ps.setLong(1, row);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return true;
            }
            return !status.state().name().equals(rs.getString(1)) || status.differsFrom(StoreCodec.status(
                    rs.getString(2)));
        }
    }

    /**
     * The task's row id: the one the thread keeps ({@link RowIds}), else looked up by id and, with {@code keep}, kept
     * until the task's end (a status change keeps it; an end or a capture, after which nothing more is written, does
     * not).
     */
    private static long rowid(StoreThread.Statements c, TaskRef task, boolean keep) throws SQLException {
        RowIds rows = c.rows(task.kind().dialect());
        long kept = rows.get(task.id());
        if (kept > 0) {
            return kept;
        }
        PreparedStatement ps = c.ps("SELECT rowid FROM tasks WHERE dialect = ? AND id = ?");
        ps.setString(1, task.kind().dialect().name());
        ps.setString(2, task.id());
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw notRecorded(task);
            }
            long row = rs.getLong(1);
            if (keep) {
                rows.put(task.id(), row);
            }
            return row;
        }
    }

    // ---- resuming

    @Override
    public Flux<Tracked> open() {
        if (!options.tracking() || !options.resume()) {
            return Flux.empty();
        }
        // every open task at once; then, by rowid, the tasks other processes add (never this instance's own: a task
        // of ours that ended, its end not committed yet, must not come back)
        long[] seen = {-1};
        boolean[] failing = {false}; // (read and written by one scan at a time)
        return Flux.interval(Duration.ZERO, options.scanEvery(), options.scheduler())
                .onBackpressureDrop()
                .concatMap(tick -> thread.read(c -> {
                    Batch b = openSince(c, Math.max(0, seen[0]), seen[0] < 0 ? null : origin);
                    seen[0] = Math.max(seen[0], b.maxRowid()); // on the store's thread, before the next scan
                    return b;
                })
                        .doOnNext(b -> {
                            if (failing[0]) {
                                failing[0] = false;
                                log.info("task store {}: reading its open tasks works again", file);
                            }
                        })
                        // a failed read (the file busy past the timeout, an I/O error) is tried again at the next
                        // scan from where the last one got: it used to end the scans, and with them the tracking of
                        // every task other processes added until the next restart
                        .onErrorResume(e -> {
                            if (!closed.get() && !failing[0]) {
                                failing[0] = true;
                                log.warn("task store {}: reading its open tasks failed ({}); trying again every {} ms",
                                        file, e.getMessage(), options.scanEvery().toMillis());
                            }
                            return Mono.empty();
                        }), 1)
                .concatMap(batch -> Flux.fromIterable(batch.tasks()));
    }

    private record Batch(List<Tracked> tasks, long maxRowid) {
    }

    private static Batch openSince(StoreThread.Statements c, long afterRowid, @Nullable String notOrigin) throws SQLException {
        List<Tracked> out = new ArrayList<>();
        long max = afterRowid;
        PreparedStatement ps = c.ps("SELECT rowid, kind, id, model, initial_ms, period_ms,"
                + " deadline_ms, started_at, deadline_at, first_due, " + LAST + ", shape FROM tasks"
                + " WHERE ended_at IS NULL AND rowid > ? AND (? IS NULL OR origin IS NULL OR origin != ?)"
                + " ORDER BY rowid");
        ps.setLong(1, afterRowid);
        ps.setString(2, notOrigin);
        ps.setString(3, notOrigin);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                max = Math.max(max, rs.getLong(1));
                try {
                    out.add(trackedOf(rs));
                } catch (RuntimeException e) { // one row this taskpoll cannot read must not stop the others
                    log.warn("task store: task '{}' (kind {}) cannot be tracked by this taskpoll and is left as it is"
                            + " ({})", rs.getString(3), rs.getString(2), e.getMessage());
                }
            }
        }
        return new Batch(out, max);
    }

    private static @Nullable Tracked tracked(StoreThread.Statements c, String dialect, String id) throws SQLException {
        PreparedStatement ps = c.ps("SELECT rowid, kind, id, model, initial_ms, period_ms,"
                + " deadline_ms, started_at, deadline_at, first_due, " + LAST + ", shape FROM tasks"
                + " WHERE dialect = ? AND id = ?");
        ps.setString(1, dialect);
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? trackedOf(rs) : null;
        }
    }

    private static Tracked trackedOf(ResultSet rs) throws SQLException {
        TaskKind kind = StoreCodec.kind(rs.getString(2));
        PollPolicy policy = new PollPolicy(Duration.ofMillis(rs.getLong(5)), Duration.ofMillis(rs.getLong(6)),
                Duration.ofMillis(rs.getLong(7)));
        TaskRef ref = new TaskRef(rs.getString(3), kind, rs.getString(4), policy, rs.getString(12));
        return new Tracked(ref, Instant.ofEpochMilli(rs.getLong(8)), Instant.ofEpochMilli(rs.getLong(9)),
                rs.getLong(10), StoreCodec.status(rs.getString(11)));
    }

    // ---- queries

    @Override
    public Flux<Cadence.Saved> models() {
        return thread.read(c -> {
            List<Cadence.Saved> out = new ArrayList<>();
            PreparedStatement ps = c.ps("SELECT key, observations, window, saved_at FROM models");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    try {
                        out.add(new Cadence.Saved(rs.getString(1), rs.getLong(2), StoreCodec.window(rs.getString(3)),
                                Instant.ofEpochMilli(rs.getLong(4))));
                    } catch (RuntimeException e) { // a row edited by hand: that model starts cold, not all of them
                        log.warn("task store {}: the cadence model '{}' cannot be read ({}); it is learned afresh",
                                this, rs.getString(1), e.toString());
                    }
                }
            }
            return out;
        }).flatMapIterable(l -> l);
    }

    @Override
    public Mono<Void> saveModel(Cadence.Saved model) {
        String window = StoreCodec.window(model.window());
        return thread.write(c -> {
            PreparedStatement ps = c.ps("INSERT OR REPLACE INTO models (key, observations, window,"
                    + " saved_at) VALUES (?, ?, ?, ?)");
            ps.setString(1, model.key());
            ps.setLong(2, model.observations());
            ps.setString(3, window);
            ps.setLong(4, model.at().toEpochMilli());
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public Flux<TaskRecord> tasks(TaskRecord.@Nullable Phase phase) {
        return thread.read(c -> Queries.list(c, phase)).flatMapIterable(l -> l);
    }

    @Override
    public Mono<TaskRecord> task(String id) {
        return thread.read(c -> Queries.one(c, id));
    }

    /**
     * Deletes ended tasks older than the retention, with their history and results' records; "older" on the clock of
     * the store's scheduler, as the times it records come from the tracker's.
     */
    Mono<Integer> prune() {
        return thread.write(c -> prune(c, pruneBefore(options)));
    }

    /** Ended before this (ms, the scheduler's clock), a task is past its retention. */
    private static long pruneBefore(SqliteStoreOptions options) {
        return options.scheduler().now(java.util.concurrent.TimeUnit.MILLISECONDS) - options.retention().toMillis();
    }

    private static int prune(StoreThread.Statements c, long before) throws SQLException {
        // an ended task's row id is not kept; a task whose tracking stopped without an end keeps its own until here:
        // forgetting them all at each prune bounds what such tasks leave behind (open tasks look theirs up again)
        c.forgetRows();
        // the newest row stays whatever its age: a rowid is max(rowid) + 1, and the scans for tasks other processes
        // add go by rowid, so a pruned newest row would hand its rowid to the next task, which no scan would see
        PreparedStatement ps = c.ps("DELETE FROM tasks WHERE ended_at IS NOT NULL"
                + " AND ended_at < ? AND rowid < (SELECT max(rowid) FROM tasks)");
        ps.setLong(1, before);
        int n = ps.executeUpdate();
        PreparedStatement pi = c.ps("DELETE FROM intents WHERE outcome IS NOT NULL"
                + " AND at < ?");
        pi.setLong(1, before);
        pi.executeUpdate();
        return n;
    }

    /** Runs {@code work} on the store's thread, between writes (tests). */
    <T> Mono<T> read(StoreThread.Work<T> work) {
        return thread.read(work);
    }

    /** Runs {@code work} on the store's thread as a write, in the next transaction (tests). */
    <T> Mono<T> write(StoreThread.Work<T> work) {
        return thread.write(work);
    }

    /** {transactions committed, pieces of work committed} since the store opened (for the benchmarks). */
    public long[] commitCounts() {
        return thread.counts();
    }

    /**
     * Commits what was written, stops the store's thread, closes the file and releases the lock. Blocks. Once: a second
     * call does nothing (a client and a Spring context may both close it).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        pruning.dispose();
        thread.close();
        close(connection);
        if (lock != null) {
            lock.close();
        }
    }

    private static void close(@Nullable Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing: nothing more to do
            }
        }
    }

    @Override
    public String toString() {
        return "SqliteStore[" + file + (options.tracking() ? "" : ", recording only") + "]";
    }
}
