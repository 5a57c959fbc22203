package dev.taskpoll.spi;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.TaskKind;

/**
 * Statuses a provider pushes (callbacks) on their way from a receiver to the tracker that tracks the task. A hint is
 * never the truth: the tracker confirms a terminal one with a poll before anything is emitted, emits another only if
 * it moves the task forward, and polls at the callback watchdog's period while hints keep coming. The default,
 * {@link #local()}, hands each hint straight to this process's tracker; cluster mode routes it to the instance that
 * holds the task.
 *
 * <p><b>Call order:</b>
 * <ol>
 *   <li>The tracker calls {@link #connect(Listener)} once, when it is created, before anything is offered.</li>
 *   <li>A receiver ({@link dev.taskpoll.callback.CallbackReceiver}) calls {@link #offer} for every callback it has
 *       authenticated and decoded, and {@link #forget} when it stops expecting callbacks for a task.</li>
 *   <li>The implementation calls the listener's {@link Listener#hint} at most once per offer, for the tracker that
 *       tracks the task, and {@link Listener#forget} for each forget. It may drop a hint no tracker will ever want;
 *       the tracker keeps the latest hint for a task whose tracking has not started yet.</li>
 * </ol>
 *
 * <p><b>Threading:</b> {@code offer} and {@code forget} are called from a web server's event loops; the listener is
 * called on whatever thread delivers. Nothing here may block.
 */
public interface StatusHints {

    /**
     * Where hints go: the tracker, once, before any offer.
     *
     * @param listener the tracker's side
     */
    void connect(Listener listener);

    /**
     * A status pushed for a task of {@code kind}, already authenticated by the receiver.
     *
     * @param kind   the family or asset library of the task
     * @param status the status pushed
     */
    void offer(TaskKind kind, TaskStatus status);

    /**
     * No more hints are expected for this task; one kept for it may be dropped.
     *
     * @param kind   the family or asset library of the task
     * @param taskId the task
     */
    void forget(TaskKind kind, String taskId);

    /** The tracker's side. */
    interface Listener {

        /**
         * Merge {@code status} into the task's tracking (or keep it until its tracking starts).
         *
         * @param kind   the family or asset library of the task
         * @param status the status pushed
         */
        void hint(TaskKind kind, TaskStatus status);

        /**
         * Drop a hint kept for a task whose tracking never started.
         *
         * @param kind   the family or asset library of the task
         * @param taskId the task
         */
        void forget(TaskKind kind, String taskId);
    }

    /**
     * Hints delivered at once to this process's tracker, on the caller's thread.
     *
     * @return the hints
     */
    static StatusHints local() {
        return new LocalHints();
    }
}
