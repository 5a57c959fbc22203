package dev.taskpoll.spi;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.TaskKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * When a tracked task is polled next. A cadence decides times; the tracker only waits for them (on its shared timer)
 * and sends the polls. The default is {@link dev.taskpoll.cadence.LearnedCadence} (where each model's tasks are
 * learned to complete); {@link #fixedGrid} ({@link dev.taskpoll.TrackerOptions.Builder#fixedGrid()}) polls on the
 * task's {@link PollPolicy} period, on a grid shifted by a random phase drawn once per task.
 *
 * <p><b>Call order</b>, for one task:
 * <ol>
 *   <li>{@link #firstPoll} once, when its tracking starts (or resumes after a restart: then
 *       {@link Task#lastDue()} is the due time its record holds, the first poll planned when it started or one a
 *       store set at a takeover, not the last poll planned before the restart; a grid counted on from it keeps the
 *       same points).</li>
 *   <li>{@link #nextPoll} after every poll whose answer shows the task still running (queued, processing, or a status
 *       nobody knows). A poll's retries (429, transient failures) are not the cadence's business: they wait their own
 *       back-off, and the next planned poll comes after them.</li>
 *   <li>{@link #ended} once, when a terminal status has been seen (completed, failed, cancelled); not when tracking
 *       ends otherwise (deadline, error, every subscriber gone).</li>
 * </ol>
 * Times are absolute, in the tracker's scheduler milliseconds ({@code Scheduler.now(MILLISECONDS)}); a time not after
 * {@code now} means at once. The tracker adds its rules on top: never two requests in flight for one task; while
 * callbacks arrive, polls no more often than {@link dev.taskpoll.TrackerOptions#callbackWatchdog()}; a
 * {@code Retry-After} always wins; the deadline ends the task whatever the cadence says.
 *
 * <p><b>Threading:</b> called from the timer thread and from event loops, for different tasks concurrently; for one
 * task, calls follow each other, except {@link #replan} (asked by the cadence itself, on the timer thread, only while
 * no poll of the task is in flight), which a poll sent and answered meanwhile can overlap with its {@link #nextPoll}
 * or {@link #ended}; and {@link #estimate}, asked by the application (a dashboard) from its own thread at any time.
 * A cadence keeps what those calls share safe to read from two threads. Every call must be cheap (O(1), no I/O, no lock held across anything slow) and must not
 * keep anything per task: the {@link Task} view is only valid during the call. A cadence that learns refits off this
 * path.
 */
public interface Cadence {

    /**
     * When to poll first, or again after a restart.
     *
     * @param task the task
     * @param now  the time now, scheduler ms
     * @return when to poll, scheduler ms
     */
    long firstPoll(Task task, long now);

    /**
     * When to poll next, after a poll at {@code now} saw the task still running.
     *
     * @param task the task
     * @param now  the time of the poll, scheduler ms
     * @return when to poll, scheduler ms
     */
    long nextPoll(Task task, long now);

    /**
     * The task ended with {@code terminal}, seen by a poll at {@code now}: what a learner learns from.
     *
     * @param task     the task
     * @param terminal the terminal status
     * @param now      the time of the poll that saw it, scheduler ms
     */
    default void ended(Task task, TaskStatus terminal, long now) {
    }

    /**
     * After how long (ms since the task started) a task is unusually late: past its model's learned 99.9th
     * percentile. The tracker reports it once, as a {@link dev.taskpoll.TaskStalled} event; the deadline still
     * decides failure. {@link Long#MAX_VALUE} (the default): never.
     *
     * @param task the task
     * @return ms since the task started, or {@link Long#MAX_VALUE} for never
     */
    default long stalledAfter(Task task) {
        return Long.MAX_VALUE;
    }

    /**
     * When the task is expected to end, as of {@code now}, if the cadence knows (the default: it does not).
     *
     * @param task the task
     * @param now  the time now, scheduler ms
     * @return the expected end, or empty
     */
    default Optional<Estimate> estimate(Task task, long now) {
        return Optional.empty();
    }

    /**
     * What the cadence has learned, per model (none for a cadence that does not learn).
     *
     * @return one entry per model
     */
    default List<Model> models() {
        return List.of();
    }

    /**
     * A tracker binds itself once, when it is built, before any other call; a cadence shared by several trackers is
     * bound by each. Through the {@link Host} a cadence asks the tracker to plan its tasks again when its plans went
     * wrong (a learned model found the provider 3x faster), and to keep what it learned in the tracker's task store.
     * The default ignores it.
     *
     * @param host the tracker's side
     */
    default void bind(Host host) {
    }

    /**
     * The tracker is closing: forget the host {@link #bind} gave. A learning cadence may {@link Host#save} through it
     * during this call, for the last time.
     *
     * @param host the host {@link #bind} gave
     */
    default void unbind(Host host) {
    }

    /**
     * When to poll a task the cadence asked to plan again ({@link Host#replan}): by default {@link #nextPoll}. Called
     * on the tracker's timer thread for a task with no poll in flight.
     *
     * @param task the task
     * @param now  the time now, scheduler ms
     * @return when to poll, scheduler ms
     */
    default long replan(Task task, long now) {
        return nextPoll(task, now);
    }

    /**
     * What the tracker's task store kept of this cadence's models (see {@link Host#save}), given back once when a
     * tracker with a durable store starts, before it resumes any task; a model this cadence already learned something
     * of in this process keeps what it has.
     *
     * @param saved the models kept
     */
    default void restore(List<Saved> saved) {
    }

    /** The tracker's side of {@link #bind}. */
    interface Host {

        /**
         * Plans again, soon and on the tracker's timer thread (never on the caller's), every tracked task that
         * {@code which} accepts and that has no poll in flight: its next poll becomes what {@link #replan(Task, long)}
         * says as of then (sooner or later than the one planned). {@code which} runs on the timer thread with the
         * task's view. Replanning may overlap a poll's own {@link #nextPoll} for the same task; either answer is a
         * valid plan.
         *
         * @param which the tasks to plan again
         */
        void replan(java.util.function.Predicate<Task> which);

        /**
         * Keeps a model in the tracker's task store (a durable one; otherwise nothing), replacing what was kept under
         * its key, so that a restart or another instance does not start cold: its key, the completions observed in
         * all, and the recent ones as {@code lo, hi} pairs (see {@link Saved}). Returns at once; the write runs on the
         * store's own thread, and a failure is logged, not thrown.
         *
         * @param key          the model's key
         * @param observations completions observed in all
         * @param window       the recent ones, oldest first, as {@code lo, hi} pairs
         */
        void save(String key, long observations, long[] window);
    }

    /**
     * What a learning cadence keeps of one model: its recent observations, each a completion known to lie in
     * {@code (lo, hi]} ms after its task started.
     *
     * @param key          the model's key (family and model)
     * @param observations completions observed in all
     * @param window       the recent observations, oldest first, as {@code lo, hi} pairs (a copy is kept)
     * @param at           when it was saved
     */
    record Saved(String key, long observations, long[] window, Instant at) {
        /**
         * A model kept; the window is copied.
         *
         * @param key          the model's key
         * @param observations completions observed in all
         * @param window       the recent observations, oldest first, as {@code lo, hi} pairs
         * @param at           when it was saved
         */
        public Saved {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(at, "at");
            if (window.length % 2 != 0) {
                throw new IllegalArgumentException("cadence model " + key + ": window has " + window.length
                        + " numbers; it holds (lo, hi) pairs");
            }
            window = window.clone();
        }

        /**
         * The recent observations, oldest first, as {@code lo, hi} pairs.
         *
         * @return a copy of them
         */
        @Override
        public long[] window() {
            return window.clone();
        }

        @Override
        public String toString() {
            return "Saved[" + key + ", " + observations + " observations, " + window.length / 2 + " kept, at " + at
                    + "]";
        }
    }

    /**
     * A task's expected end, from now.
     *
     * @param median the median of the remaining time
     * @param low    its 10th percentile
     * @param high   its 90th percentile
     */
    record Estimate(Duration median, Duration low, Duration high) {
    }

    /**
     * One model as a learning cadence knows it.
     *
     * @param key             family and model
     * @param observations    completions observed
     * @param median          the learned median completion time
     * @param p95             its 95th percentile
     * @param expectedMeanLag the mean detection lag the current schedule expects
     * @param drifts          how often drift was detected and the model relearned
     * @param relearning      whether it is relearning after drift now
     */
    record Model(String key, long observations, Duration median, Duration p95, Duration expectedMeanLag,
                 long drifts, boolean relearning) {
    }

    /** What a cadence may know of one task: a view kept by the tracker, valid during the call only. */
    interface Task {

        /**
         * The family or asset library.
         *
         * @return the kind
         */
        TaskKind kind();

        /**
         * The model, when known.
         *
         * @return the model, or null
         */
        @Nullable String model();

        /**
         * The request's shape ({@link dev.taskpoll.catalog.GenerationRequest#shape()}), when known: a learned cadence
         * keeps one model per model and shape.
         *
         * @return the shape, or null
         */
        default @Nullable String shape() {
            return null;
        }

        /**
         * The task's poll policy: its period is the fixed grid's, its deadline the tracker's.
         *
         * @return the policy
         */
        PollPolicy policy();

        /**
         * When tracking began (scheduler ms); kept across restarts.
         *
         * @return the start, scheduler ms
         */
        long startedAt();

        /**
         * When the task's deadline passes (scheduler ms): its start plus its policy's deadline, or what the store
         * kept for it.
         *
         * @return the deadline, scheduler ms
         */
        default long deadlineAt() {
            return startedAt() + policy().deadline().toMillis();
        }

        /**
         * The poll planned last (scheduler ms), or {@link Long#MIN_VALUE} before the first is planned.
         *
         * @return the poll planned last, scheduler ms, or {@link Long#MIN_VALUE}
         */
        long lastDue();

        /**
         * Polls answered so far (retries not counted).
         *
         * @return the number of polls answered
         */
        int polls();

        /**
         * The latest status seen, if any.
         *
         * @return the status, or null
         */
        @Nullable TaskStatus last();

        /**
         * The task id.
         *
         * @return the task id
         */
        String id();

        /**
         * When a poll last saw the task still running (scheduler ms), or {@link Long#MIN_VALUE} when none has: with the
         * time the end was seen, the interval the completion lies in.
         *
         * @return the time, scheduler ms, or {@link Long#MIN_VALUE}
         */
        long lastSeenRunning();

        /**
         * When a poll last saw the task queued, not yet processing (scheduler ms), or {@link Long#MIN_VALUE} when none
         * has (the provider answered {@code processing} from the start, or the task resumed after a restart): a learner
         * may count the task's time from there, a queue's wait being no part of how long a generation takes.
         *
         * @return the time, scheduler ms, or {@link Long#MIN_VALUE}
         */
        default long lastSeenQueued() {
            return Long.MIN_VALUE;
        }
    }

    /**
     * The fixed grid: the first poll {@code initialDelay + phase} after tracking starts, then every {@code period},
     * where {@code phase} is drawn once per task from {@code [0, phaseSpread x period)} so that tasks started together
     * do not poll together. A poll that comes back late (a slow answer, a back-off) moves the next one to the next
     * grid point, so polls never pile up. On resume, the grid continues where it was.
     *
     * @param phaseSpread from 0 (the exact grid) to 1
     * @param random      numbers in [0, 1)
     * @return the cadence
     */
    static Cadence fixedGrid(double phaseSpread, DoubleSupplier random) {
        return new FixedGrid(phaseSpread, random);
    }
}
