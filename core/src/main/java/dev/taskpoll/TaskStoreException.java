package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * A task store failed: it cannot be opened (not a taskpoll store, a newer schema, read-only, held by another
 * process) or a write could not be committed (a full disk). The message names the file and the problem, never a
 * password or a request body.
 */
public class TaskStoreException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /**
     * A store failure concerning {@code taskId}.
     *
     * @param message the file and the problem
     * @param taskId  the task, or null
     * @param cause   the cause, or null
     */
    public TaskStoreException(String message, @Nullable String taskId, @Nullable Throwable cause) {
        super(message, taskId, null, cause);
    }

    /**
     * A store failure that concerns no task and has no cause.
     *
     * @param message the file and the problem
     */
    public TaskStoreException(String message) {
        this(message, null, null);
    }

    private TaskStoreException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                               @Nullable Throwable cause) {
        super(message, taskId, lastStatus, cause);
    }

    @Override
    public TaskStoreException withLastStatus(@Nullable TaskStatus status) {
        return new TaskStoreException(getMessage(), taskId(), status, getCause());
    }
}
