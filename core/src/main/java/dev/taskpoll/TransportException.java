package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * A request did not get a complete HTTP response: connection refused or reset, response timeout, pool exhausted.
 * The tracker retries it with back-off.
 */
public class TransportException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /**
     * A request without a complete HTTP response.
     *
     * @param taskId the task, or null
     * @param what   what failed (connection refused, response timeout...)
     * @param cause  the failure, or null
     */
    public TransportException(@Nullable String taskId, String what, @Nullable Throwable cause) {
        super(what + (taskId == null ? "" : " for task '" + taskId + "'"), taskId, null, cause);
    }

    private TransportException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                               @Nullable Throwable cause) {
        super(message, taskId, lastStatus, cause);
    }

    @Override
    public TransportException withLastStatus(@Nullable TaskStatus status) {
        return new TransportException(getMessage(), taskId(), status, getCause());
    }
}
