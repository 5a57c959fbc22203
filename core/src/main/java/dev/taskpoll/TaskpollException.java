package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception taskpoll raises. It carries the task id and the last status seen, when known.
 * Messages name the task id and the HTTP status; never an API key, a header value or a response body.
 */
public class TaskpollException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The task this failure concerns, or null. */
    private final @Nullable String taskId;
    private final transient @Nullable TaskStatus lastStatus;

    /**
     * An exception with its message, task and last status.
     *
     * @param message    the message
     * @param taskId     the task, or null
     * @param lastStatus the last status seen, or null
     * @param cause      the cause, or null
     */
    protected TaskpollException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                                @Nullable Throwable cause) {
        super(message, cause);
        this.taskId = taskId;
        this.lastStatus = lastStatus;
    }

    /**
     * The task this failure concerns, when it concerns one.
     *
     * @return the task id, or null
     */
    public @Nullable String taskId() {
        return taskId;
    }

    /**
     * The message without the task it names ({@code " for task 'id'"}), for a caller that names the task itself:
     * {@code request failed: connection refused by 127.0.0.1:9999}. The message when it concerns no task, or names it
     * otherwise.
     *
     * @return the message without the task id
     */
    public String messageWithoutTaskId() {
        String message = String.valueOf(getMessage());
        return taskId == null ? message : message.replace(" for task '" + taskId + "'", "");
    }

    /**
     * The last status the tracker saw for the task before it failed, if any.
     *
     * @return the status, or null
     */
    public @Nullable TaskStatus lastStatus() {
        return lastStatus;
    }

    /**
     * The same failure with the tracker's last seen status attached. Subclasses return their own type.
     *
     * @param status the last status seen, or null
     * @return the same failure with {@code status}
     */
    public TaskpollException withLastStatus(@Nullable TaskStatus status) {
        return new TaskpollException(getMessage(), taskId, status, getCause());
    }
}
