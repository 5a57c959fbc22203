package dev.taskpoll.spi;

import dev.taskpoll.TaskStatus;
import reactor.core.publisher.Mono;

/**
 * Fetches the current status of one task: one request, one answer.
 *
 * <p>Call order, as the tracker uses it: {@link #fetch} is called once per poll, never twice at once for the same
 * task. The returned {@code Mono} must be cold: every subscription is one request, and the tracker subscribes it
 * again to retry. It may be cancelled (when the subscriber leaves or the deadline passes). It must not block, must
 * not retry by itself (the tracker decides), and signals failures as
 * {@link dev.taskpoll.TaskpollException}s:
 * {@link dev.taskpoll.ApiStatusException} for a non-2xx answer (with its {@code Retry-After}),
 * {@link dev.taskpoll.TransportException} when no complete response came,
 * {@link dev.taskpoll.MalformedResponseException} for an unreadable body.
 * A status string it does not know is not a failure: it is a {@link dev.taskpoll.TaskState#UNKNOWN} status.
 */
@FunctionalInterface
public interface StatusSource {

    /**
     * The task's current status, from one request.
     *
     * @param taskId the task
     * @return its status
     */
    Mono<TaskStatus> fetch(String taskId);
}
