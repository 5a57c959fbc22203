package dev.taskpoll.spi;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.TaskKind;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * When a tracked task is polled next. A cadence decides times; the tracker only waits for them (on its shared timer)
 * and sends the polls. The default is {@link #fixedGrid}: the task's {@link PollPolicy} period on a grid shifted by a
 * random phase drawn once per task.
 *
 * <p><b>Call order</b>, for one task:
 * <ol>
 *   <li>{@link #firstPoll} once, when its tracking starts (or resumes after a restart: then
 *       {@link Task#lastDue()} is the last poll planned before it).</li>
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
 * <p><b>Threading:</b> called from the timer thread and from event loops, for different tasks concurrently, never
 * twice at once for one task. Every call must be cheap (O(1), no I/O, no lock held across anything slow) and must not
 * keep anything per task: the {@link Task} view is only valid during the call. A cadence that learns refits off this
 * path.
 */
public interface Cadence {

    /** When to poll first, or again after a restart. */
    long firstPoll(Task task, long now);

    /** When to poll next, after a poll at {@code now} saw the task still running. */
    long nextPoll(Task task, long now);

    /** The task ended with {@code terminal}, seen by a poll at {@code now}: what a learner learns from. */
    default void ended(Task task, TaskStatus terminal, long now) {
    }

    /** What a cadence may know of one task: a view kept by the tracker, valid during the call only. */
    interface Task {

        /** The family or asset library. */
        TaskKind kind();

        /** The model, when known. */
        @Nullable String model();

        /** The task's poll policy: its period is the fixed grid's, its deadline the tracker's. */
        PollPolicy policy();

        /** When tracking began (scheduler ms); kept across restarts. */
        long startedAt();

        /** The poll planned last (scheduler ms), or {@link Long#MIN_VALUE} before the first is planned. */
        long lastDue();

        /** Polls answered so far (retries not counted). */
        int polls();

        /** The latest status seen, if any. */
        @Nullable TaskStatus last();
    }

    /**
     * The fixed grid: the first poll {@code initialDelay + phase} after tracking starts, then every {@code period},
     * where {@code phase} is drawn once per task from {@code [0, phaseSpread x period)} so that tasks started together
     * do not poll together. A poll that comes back late (a slow answer, a back-off) moves the next one to the next
     * grid point, so polls never pile up. On resume, the grid continues where it was.
     *
     * @param phaseSpread from 0 (the exact grid) to 1
     * @param random      numbers in [0, 1)
     */
    static Cadence fixedGrid(double phaseSpread, DoubleSupplier random) {
        return new FixedGrid(phaseSpread, random);
    }
}
