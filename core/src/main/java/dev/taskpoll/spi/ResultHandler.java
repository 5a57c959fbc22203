package dev.taskpoll.spi;

import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import reactor.core.publisher.Flux;

/**
 * What the tracker does with a completed task before it emits the completed status and records the end: stores its
 * results. {@link dev.taskpoll.capture.ResultCapture} is the implementation; a client given
 * {@link dev.taskpoll.ClientOptions.Builder#capture} uses it for every task it tracks, subscribed or not.
 *
 * <p><b>Call order:</b> {@link #completed} once per task, when a poll sees it completed (or when a task resumed after
 * a restart was already completed and its end was not recorded). The tracker subscribes to the returned flux once,
 * passes every event to {@link dev.taskpoll.TaskpollClient#events()}, and when it completes records the end (with
 * the first {@link TaskEvent.Failure}'s reason, if any) and emits the completed status. The flux should not fail: a
 * failure is reported as a {@code TaskEvent.Failure} event (an error is treated as one). It must be idempotent: a
 * task resumed after a crash may be handed over again, and what was stored then must not be stored twice.
 *
 * <p><b>Threading:</b> called on an event loop or the tracker's timer thread; must not block (file I/O goes to a
 * scheduler meant for it).
 */
@FunctionalInterface
public interface ResultHandler {

    /**
     * Store the results of {@code task}, completed with {@code status}.
     *
     * @param task   the task
     * @param status its completed status
     * @return the capture's events; it completes once the results are stored
     */
    Flux<TaskEvent> completed(TaskRef task, TaskStatus status);
}
