package dev.taskpoll;

/**
 * Tracking of a task ended with an error (its deadline passed, retries ran out, a permanent HTTP status): what
 * {@link TaskpollClient#events()} reports for a task whose stream ended with {@code failure}.
 *
 * @param taskId  the task
 * @param failure what ended its tracking
 */
public record TrackingFailed(String taskId, TaskpollException failure) implements TaskEvent.Failure {
}
