package dev.taskpoll.sqlite;

import dev.taskpoll.TaskStoreException;
import dev.taskpoll.catalog.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The one thread that talks to the database: JDBC blocks, so it never runs on an event loop or a Reactor scheduler.
 * Callers enqueue work (a lock-free queue, then an unpark if the thread is idle: nothing that can block the caller),
 * and the thread runs whatever has queued up in one transaction (group commit). One piece failing fails only its
 * caller: the batch's transaction is rolled back and the whole batch run again with each piece in a savepoint of its
 * own (a savepoint for every piece every time cost about a tenth of a write). SQLite dropping the transaction (a full
 * disk) or the commit failing fails every caller of the batch.
 * Callers' {@code Mono}s complete after the commit, on the store's scheduler, never on this thread.
 */
final class StoreThread implements Runnable {

    private static final Logger log = Loggers.getLogger(StoreThread.class);
    /** The most pieces of work in one transaction. */
    static final int MAX_BATCH = 2_000;

    /**
     * One piece of work against the connection; it may return a value for its caller. It acts on the connection and
     * on {@link Statements}' caches only: when a piece of its batch fails, what the batch wrote is undone and the batch
     * run again, so a piece may run twice (what its first run wrote is gone by then, and its caller sees the second
     * run's outcome). What a piece caches must hold once its writes commit; the thread forgets the caches whenever it
     * undoes work, since a rollback does not undo them.
     */
    @FunctionalInterface
    interface Work<T> {
        T run(Statements c) throws SQLException;
    }

    /**
     * The connection as work sees it: statements prepared once and kept (SQLite compiles a statement when it is
     * prepared; preparing each write anew was most of a write's cost). Used on the store's thread only.
     */
    static final class Statements {
        final Connection connection;
        private final java.util.Map<String, java.sql.PreparedStatement> cache = new java.util.HashMap<>();
        /** By dialect: the row ids of tasks recorded and not yet ended ({@link RowIds}). */
        private final RowIds[] rowIds = new RowIds[Dialect.values().length];

        Statements(Connection connection) {
            this.connection = connection;
            for (int i = 0; i < rowIds.length; i++) {
                rowIds[i] = new RowIds();
            }
        }

        /**
         * The row ids of this dialect's tasks recorded by this thread and not yet ended. The store's thread forgets
         * them all whenever it undoes work (a row id handed out by an undone insert goes to the next task inserted).
         */
        RowIds rows(Dialect dialect) {
            return rowIds[dialect.ordinal()];
        }

        void forgetRows() {
            for (RowIds r : rowIds) {
                r.clear();
            }
        }

        /**
         * The prepared statement for {@code sql}, kept for the next time: do not close it (close its result sets).
         * Work uses it directly: a view of it that ignored {@code close()} (a reflective proxy) cost every call on
         * the statement a reflective dispatch.
         */
        java.sql.PreparedStatement ps(String sql) throws SQLException {
            java.sql.PreparedStatement ps = cache.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                cache.put(sql, ps);
            }
            return ps;
        }

        void close() {
            for (java.sql.PreparedStatement ps : cache.values()) {
                try {
                    ps.close();
                } catch (SQLException e) {
                    // closing
                }
            }
            cache.clear();
        }
    }

    private record Job<T>(Work<T> work, MonoSink<T> sink, boolean write) {
    }

    private final Connection connection;
    private final Statements statements;
    private final String file;
    private final Scheduler scheduler;
    private final int maxQueued;
    /** Nanoseconds from the start of one commit to the start of the next (0: at once), on the scheduler's clock. */
    private final long commitDelay;
    private final ConcurrentLinkedQueue<Job<?>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread thread;
    /** Set while the thread waits for work with nothing queued: only then does a caller need to unpark it. */
    private final java.util.concurrent.atomic.AtomicBoolean idle = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closing;
    /** The read taken off the queue and not answered yet (only the store's thread touches it). */
    private @Nullable Job<?> reading;
    /** Why the thread stopped when it died (a failure of its own, outside any job's): every call is refused with it. */
    private volatile @Nullable Throwable died;
    /** Batches committed and pieces of work run, for the benchmarks. */
    private long commits;
    private long pieces;

    StoreThread(Connection connection, String file, Scheduler scheduler, int maxQueued, java.time.Duration commitDelay) {
        this.connection = connection;
        this.statements = new Statements(connection);
        this.file = file;
        this.scheduler = scheduler;
        this.maxQueued = maxQueued;
        this.commitDelay = commitDelay.toNanos();
        this.thread = new Thread(this, "taskpoll-store");
        thread.setDaemon(true);
        thread.start();
    }

    /** A write: completes once committed. */
    <T> Mono<T> write(Work<T> work) {
        return submit(work, true);
    }

    /** A read: runs between writes, outside any transaction of theirs. */
    <T> Mono<T> read(Work<T> work) {
        return submit(work, false);
    }

    private <T> Mono<T> submit(Work<T> work, boolean write) {
        return Mono.create(sink -> {
            if (closing || died != null) {
                sink.error(stopped());
                return;
            }
            if (queued.incrementAndGet() > maxQueued) {
                queued.decrementAndGet();
                sink.error(new TaskStoreException("task store " + file + " is " + maxQueued
                        + " writes behind; refusing more until it catches up"));
                return;
            }
            Job<T> job = new Job<>(work, sink, write);
            queue.add(job);
            // closed since the check above: the thread may have looked at the queue for the last time already, and
            // this job would wait for ever; if it is still queued, it fails here (if not, the thread has it)
            if ((closing || died != null) && queue.remove(job)) {
                queued.decrementAndGet();
                sink.error(stopped());
                return;
            }
            if (idle.compareAndSet(true, false)) { // awake: it finds the job without a wake-up (a futex call each)
                LockSupport.unpark(thread);
            }
        });
    }

    private TaskStoreException stopped() {
        Throwable d = died;
        return d == null ? new TaskStoreException("task store " + file + " is closed")
                : new TaskStoreException("task store " + file + " stopped: its thread failed (" + d + ")");
    }

    @Override
    public void run() {
        List<Job<?>> batch = new ArrayList<>();
        try {
            loop(batch);
        } catch (Throwable t) { // the thread's own failure (completing a job failed, say): nothing may wait for ever
            died = t;
            log.error("task store " + file + ": its thread failed; every write and read is refused from now on", t);
            for (Job<?> j : batch) {
                j.sink().error(stopped());
            }
            if (reading != null) {
                reading.sink().error(stopped());
            }
            Job<?> j;
            while ((j = queue.poll()) != null) {
                queued.decrementAndGet();
                j.sink().error(stopped());
            }
        }
    }

    private void loop(List<Job<?>> batch) throws SQLException {
        long lastCommit = now() - commitDelay; // the first batch waits for nothing
        while (true) {
            drain(batch);
            if (!batch.isEmpty() && commitDelay > 0) {
                gather(batch, lastCommit + commitDelay - now());
            }
            if (!batch.isEmpty()) {
                lastCommit = now();
                runWrites(batch);
                batch.clear();
                continue;
            }
            if (closing && queue.isEmpty()) {
                statements.close();
                return;
            }
            idle.set(true);
            if (queue.isEmpty() && !closing) { // a job queued before the flag was set sent no wake-up: look once more
                LockSupport.parkNanos(this, 50_000_000L);
            }
            idle.set(false);
        }
    }

    private long now() {
        return scheduler.now(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /**
     * Adds to {@code batch} what queues up in the next {@code wait} ns (the commit delay's rest), woken by a timer on
     * the store's scheduler (its clock, so tests drive it in virtual time), by {@code close()}, or by a full batch;
     * callers do not wake it meanwhile ({@code idle} stays false).
     */
    private void gather(List<Job<?>> batch, long wait) {
        if (wait <= 0) {
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean due = new java.util.concurrent.atomic.AtomicBoolean();
        reactor.core.Disposable timer = scheduler.schedule(() -> {
            due.set(true);
            LockSupport.unpark(thread);
        }, wait, java.util.concurrent.TimeUnit.NANOSECONDS);
        while (!due.get() && !closing && !batch.isEmpty() && batch.size() < MAX_BATCH) {
            LockSupport.park(this);
            drain(batch);
        }
        timer.dispose();
    }

    /** Takes queued jobs into {@code batch} (writes) or runs them (reads, after the writes queued before them). */
    private void drain(List<Job<?>> batch) {
        Job<?> j;
        while (batch.size() < MAX_BATCH && (j = queue.poll()) != null) {
            queued.decrementAndGet();
            if (!j.write() && !batch.isEmpty()) {
                reading = j; // the writes before it run first
                runWrites(batch); // a read sees every write queued before it
                batch.clear();
            }
            if (j.write()) {
                batch.add(j);
            } else {
                reading = j; // (in neither the batch nor the queue while it runs: failed by run() if the thread fails)
                runRead(j);
                reading = null;
            }
        }
    }

    private <T> void runRead(Job<T> j) {
        try {
            T value = j.work().run(statements);
            completeAll(List.of(j), new Object[] {value}, new Throwable[1], null);
        } catch (Throwable e) { // an Error too (out of memory, a missing class): its caller hears of it, the thread goes on
            if (e instanceof org.sqlite.SQLiteException) {
                forgetStatements(); // as after a write's: a statement the driver closed must not be used again
            }
            completeAll(List.of(j), new Object[1], new Throwable[1], problem(e));
        }
    }

    private void runWrites(List<Job<?>> batch) {
        Object[] values = new Object[batch.size()];
        Throwable[] errors = new Throwable[batch.size()];
        Throwable batchError = null;
        try {
            connection.setAutoCommit(false);
            Throwable failed = runAll(batch, values);
            if (failed != null) { // a piece failed, perhaps after writing part of its work: none of this attempt stays
                batchError = undo(failed);
                if (batchError == null) {
                    java.util.Arrays.fill(values, null);
                    batchError = runEachInASavepoint(batch, values, errors);
                }
            }
            if (batchError == null) {
                connection.commit();
                commits++;
                pieces += batch.size();
            }
        } catch (Throwable e) { // an Error too: rolled back below, never committed by the driver's setAutoCommit(true)
            batchError = problem(e);
        } finally {
            if (batchError != null) {
                forgetStatements();
                try {
                    rollBack();
                } catch (SQLException rollback) {
                    // nothing left to roll back: the transaction is gone already
                }
            }
            try {
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                if (batchError == null) { // after a failed batch the driver's COMMIT finds no transaction: expected
                    log.warn("task store {}: {}", file, e.toString());
                }
            }
        }
        completeAll(batch, values, errors, batchError);
    }

    /**
     * Rolls back a batch's first attempt; the driver then begins the next transaction at once (another process may
     * write in between: the second attempt reads what it wrote, as any later batch would). Null when the second
     * attempt may run; else why the whole batch fails: {@code failed} when SQLite had rolled the transaction back
     * itself (a full disk, an I/O error), or the new transaction's own failure (another process kept the file busy).
     * (A savepoint for the batch, undone instead, would keep the lock, but SQLite then copies every page a batch first
     * changes into its sub-journal, which cost more than the savepoints per piece saved.)
     */
    private @Nullable Throwable undo(Throwable failed) {
        try {
            rollBack();
            return null;
        } catch (SQLException e) {
            return String.valueOf(e.getMessage()).contains("no transaction is active") ? failed : problem(e);
        }
    }

    /**
     * Rolls the transaction back, and with it what the pieces cached of it: a row id an undone insert handed out goes
     * to the next task inserted.
     */
    private void rollBack() throws SQLException {
        statements.forgetRows();
        connection.rollback();
    }

    /**
     * The usual case: every piece of the batch in the open transaction, one after the other, without a savepoint each
     * (two statements a piece, about a tenth of a write's cost). Returns null, or the first failure, at which it
     * stops; the caller then rolls the attempt back ({@link #undo}) and runs the batch again with
     * {@link #runEachInASavepoint}.
     */
    private @Nullable Throwable runAll(List<Job<?>> batch, Object[] values) {
        for (int i = 0; i < batch.size(); i++) {
            try {
                values[i] = batch.get(i).work().run(statements);
            } catch (SQLException | RuntimeException e) {
                return pieceFailed(e);
            }
        }
        return null;
    }

    /**
     * Each piece in a savepoint of its own, so that one failing fails only its caller and leaves nothing of its work;
     * returns the batch's failure when SQLite rolled the whole transaction back itself, else null.
     */
    private @Nullable Throwable runEachInASavepoint(List<Job<?>> batch, Object[] values,
            Throwable[] errors) throws SQLException {
        for (int i = 0; i < batch.size(); i++) {
            statements.ps("SAVEPOINT piece").execute();
            try {
                values[i] = batch.get(i).work().run(statements);
                statements.ps("RELEASE piece").execute();
            } catch (SQLException | RuntimeException e) {
                errors[i] = pieceFailed(e);
                statements.forgetRows(); // what the piece cached before it failed goes with its savepoint
                try {
                    statements.ps("ROLLBACK TO piece").execute();
                    statements.ps("RELEASE piece").execute();
                } catch (SQLException gone) {
                    // SQLite rolled the whole transaction back itself (a full disk, an I/O error): every piece of
                    // the batch is lost with it, and fails with this one's cause
                    return errors[i];
                }
            }
        }
        return null;
    }

    /** A piece's failure as its caller reads it; after the driver's own (not a piece's check), statements afresh. */
    private TaskStoreException pieceFailed(Exception e) {
        if (e instanceof org.sqlite.SQLiteException) {
            forgetStatements();
        }
        return problem(e);
    }

    /**
     * After a failure: the driver closes a statement that failed with an I/O error or a full disk, and JDBC's
     * {@code isClosed()} does not tell; each is prepared again when next used, or every later use of that one would fail
     * once the disk had room again.
     */
    private void forgetStatements() {
        statements.close();
    }

    /** Completes a batch's callers, all in one task on the store's scheduler (never on this thread). */
    private void completeAll(List<Job<?>> jobs, Object[] values, Throwable[] errors, Throwable all) {
        List<Job<?>> copy = List.copyOf(jobs);
        scheduler.schedule(() -> {
            for (int i = 0; i < copy.size(); i++) {
                complete(copy.get(i).sink(), values[i], all != null ? all : errors[i]);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(MonoSink<T> sink, Object value, Throwable error) {
        if (error != null) {
            sink.error(error);
        } else if (value == null) {
            sink.success();
        } else {
            sink.success((T) value);
        }
    }

    /** A failure, as its callers should read it: the file and the problem in plain words. */
    TaskStoreException problem(Throwable e) {
        if (e instanceof TaskStoreException t) {
            return t;
        }
        String msg = String.valueOf(e.getMessage());
        String what;
        if (msg.contains("SQLITE_FULL") || msg.contains("disk is full")) {
            what = "the disk is full (the write was not committed; nothing recorded before it is lost)";
        } else if (msg.contains("SQLITE_READONLY") || msg.contains("readonly")) {
            what = "the file is read-only";
        } else if (msg.contains("SQLITE_BUSY") || msg.contains("locked")) {
            what = "another process held the database busy for too long";
        } else {
            what = e.getClass().getSimpleName() + ": " + msg;
        }
        return new TaskStoreException("task store " + file + ": " + what, null, e);
    }

    /** {commits, pieces of work} so far. */
    long[] counts() {
        return new long[] {commits, pieces};
    }

    /** Runs what is queued, then stops; waits for the thread (called by close(), off event loops). */
    void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
