package dev.taskpoll.sqlite;

import java.time.Duration;
import java.util.Objects;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How a {@link SqliteStore} behaves. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code tracking}: true (default): the client using the store tracks its tasks, and holds the file's tracking
 *       lock while it does (a second tracker of the same file is refused, naming the holder's pid); false: the client
 *       only records (its submits, for another process to track) and reads; a task it is asked to track it polls
 *       itself, as a client without a store, and writes nothing of it.</li>
 *   <li>{@code resume}: true (default): a tracking client tracks every open task of the file, and the tasks other
 *       processes add, holding the lock alone; false: only the tasks it submits or is asked to track (a command that
 *       waits for its own task), holding the lock while it runs, shared with other such stores of the file (each
 *       tracks its own tasks) but not with one that resumes.</li>
 *   <li>{@code retention}: how long ended tasks are kept, with their history and results' records (default 7 days;
 *       at least 1 minute); a tracking store prunes them when it opens and every hour (one opened with
 *       {@code tracking(false)} leaves that to the tracker).</li>
 *   <li>{@code scanEvery}: how often a tracking store looks for tasks other processes added (default 1 s).</li>
 *   <li>{@code maxQueued}: writes waiting for the store's thread at most (default 1,000,000); beyond it a write fails
 *       at once, naming the file (a store that cannot keep up must not exhaust the heap).</li>
 *   <li>{@code commitDelay}: how long the store's thread waits after starting a commit before it starts the next,
 *       gathering what queues meanwhile into one transaction (0: it commits as soon as work is queued; else from 1 ms
 *       to 1 s, on the clock of {@code scheduler}). Default {@value #DEFAULT_COMMIT_DELAY_MS} ms with the default
 *       scheduler, and 0 when a scheduler is given (a test's virtual time would otherwise hold every write after the
 *       first until it advances); setting it wins either way. A store that has been quiet for the delay commits at
 *       once, so only a busy store waits: there, a status change reaches subscribers, and a submit's request leaves
 *       (its intent is committed first), up to {@code commitDelay} later, and a submit's answer reaches its caller up
 *       to twice that later. In exchange, fewer and larger transactions cost the store's thread less CPU (benchmarks
 *       F1, {@code benchmarks/RESULTS.md}: at 10,000 tasks 43 writes per transaction instead of 7, the store's thread
 *       26-40% less CPU per poll in two runs; at 100,000, 73-77 instead of 8-11, 15-28% less in two runs of three,
 *       1% more in one). {@code close()} does not wait it.</li>
 *   <li>{@code scheduler}: where the store completes its callers' {@code Mono}s, never its own thread
 *       (default {@link Schedulers#parallel()}).</li>
 * </ul>
 */
public final class SqliteStoreOptions {

    /** The commit delay with the default scheduler, in ms. */
    public static final int DEFAULT_COMMIT_DELAY_MS = 20;

    private final boolean tracking;
    private final boolean resume;
    private final Duration retention;
    private final Duration scanEvery;
    private final int maxQueued;
    private final Duration commitDelay;
    private final Scheduler scheduler;

    private SqliteStoreOptions(Builder b) {
        this.tracking = b.tracking;
        this.resume = b.resume;
        this.retention = b.retention;
        this.scanEvery = b.scanEvery;
        this.maxQueued = b.maxQueued;
        this.commitDelay = b.commitDelay != null ? b.commitDelay
                : b.schedulerGiven ? Duration.ZERO : Duration.ofMillis(DEFAULT_COMMIT_DELAY_MS);
        this.scheduler = b.scheduler;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static SqliteStoreOptions defaults() {
        return builder().build();
    }

    public boolean tracking() {
        return tracking;
    }

    public boolean resume() {
        return resume;
    }

    public Duration retention() {
        return retention;
    }

    public Duration scanEvery() {
        return scanEvery;
    }

    public int maxQueued() {
        return maxQueued;
    }

    public Duration commitDelay() {
        return commitDelay;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public String toString() {
        return "SqliteStoreOptions[tracking=" + tracking + ", resume=" + resume + ", retention=" + retention + ", scanEvery=" + scanEvery
                + ", maxQueued=" + maxQueued + ", commitDelay=" + commitDelay + "]";
    }

    /** Setters validate at once and name the field they reject. */
    public static final class Builder {
        private boolean tracking = true;
        private boolean resume = true;
        private Duration retention = Duration.ofDays(7);
        private Duration scanEvery = Duration.ofSeconds(1);
        private int maxQueued = 1_000_000;
        private Duration commitDelay; // null: the default, which depends on whether a scheduler is given
        private Scheduler scheduler = Schedulers.parallel();
        private boolean schedulerGiven;

        private Builder() {
        }

        /** Whether the client tracks the tasks (and holds the lock); false to record and read only. */
        public Builder tracking(boolean track) {
            this.tracking = track;
            return this;
        }

        /** Whether a tracking client tracks the file's open tasks and those others add (default: true). */
        public Builder resume(boolean on) {
            this.resume = on;
            return this;
        }

        public Builder retention(Duration d) {
            Objects.requireNonNull(d, "store.retention");
            if (d.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("store.retention: " + d + " must be at least 1 minute");
            }
            this.retention = d;
            return this;
        }

        public Builder scanEvery(Duration d) {
            Objects.requireNonNull(d, "store.scanEvery");
            if (d.toMillis() < 10) {
                throw new IllegalArgumentException("store.scanEvery: " + d + " must be at least 10 ms");
            }
            this.scanEvery = d;
            return this;
        }

        public Builder maxQueued(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("store.maxQueued: " + n + " must be at least 1");
            }
            this.maxQueued = n;
            return this;
        }

        /**
         * How long to gather writes into one transaction after a commit starts: 0, or 1 ms to 1 s (default
         * {@value #DEFAULT_COMMIT_DELAY_MS} ms with the default scheduler, 0 with a scheduler given).
         */
        public Builder commitDelay(Duration d) {
            Objects.requireNonNull(d, "store.commitDelay");
            if (!d.isZero() && (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(Duration.ofSeconds(1)) > 0)) {
                throw new IllegalArgumentException("store.commitDelay: " + d + " must be 0 or from 1 ms to 1 s");
            }
            this.commitDelay = d;
            return this;
        }

        public Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "store.scheduler");
            this.schedulerGiven = true;
            return this;
        }

        public SqliteStoreOptions build() {
            return new SqliteStoreOptions(this);
        }
    }
}
