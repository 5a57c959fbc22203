package dev.taskpoll;

import java.time.Duration;

/**
 * A request for a task's status failed in a way worth trying again (no connection, a reset, a 5xx, a malformed
 * answer), and it will be: reported on {@link TaskpollClient#events()} at each such failure, so that a user sees at
 * once that a server refuses connections rather than silence until the retries run out (then a
 * {@link TrackingFailed} follows). Throttling (429) is not reported here: it is the fleet budget's business.
 *
 * @param taskId  the task
 * @param failure what failed, with the reason ({@code request failed: connection refused by 127.0.0.1:9999})
 * @param inRow   how many requests of the task failed in a row, this one included
 * @param retryIn the wait before the next request
 */
public record PollRetrying(String taskId, TaskpollException failure, int inRow, Duration retryIn)
        implements TaskEvent.Failure {
}
