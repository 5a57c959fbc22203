package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * A 2xx response whose body could not be read as the dialect's status: empty, truncated, not JSON, or missing
 * {@code status} (a body over the size cap is a {@link ResponseTooLargeException}). The message says which, never the body itself. The tracker retries it.
 */
public class MalformedResponseException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /**
     * A 2xx body that is not a status.
     *
     * @param taskId the task, or null
     * @param reason what is wrong with the body (never the body itself)
     */
    public MalformedResponseException(@Nullable String taskId, String reason) {
        this(reason + (taskId == null ? "" : " for task '" + taskId + "'"), taskId, null, null);
    }

    private MalformedResponseException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                                       @Nullable Throwable cause) {
        super(message, taskId, lastStatus, cause);
    }

    @Override
    public MalformedResponseException withLastStatus(@Nullable TaskStatus status) {
        return new MalformedResponseException(getMessage(), taskId(), status, getCause());
    }
}
