package dev.taskpoll;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The task's total deadline passed before it reached a terminal status. */
public class TaskTimeoutException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** The deadline that passed. */
    private final Duration deadline;

    /**
     * The deadline of {@code taskId} passed.
     *
     * @param taskId     the task
     * @param deadline   the deadline that passed
     * @param lastStatus the last status seen, or null
     */
    public TaskTimeoutException(String taskId, Duration deadline, @Nullable TaskStatus lastStatus) {
        this(taskId, deadline, lastStatus, null);
    }

    /**
     * As above, naming the last failed request when the deadline passed while requests failed (a server that refuses
     * connections, say): it is the cause.
     *
     * @param taskId      the task
     * @param deadline    the deadline that passed
     * @param lastStatus  the last status seen, or null
     * @param lastFailure the last failed request, or null
     */
    public TaskTimeoutException(String taskId, Duration deadline, @Nullable TaskStatus lastStatus,
                                @Nullable Throwable lastFailure) {
        super("task '" + taskId + "' not finished within its deadline of " + dev.taskpoll.internal.Shown.duration(deadline)
                + (lastStatus == null ? " (no status seen" : " (last status: " + lastStatus.rawStatus())
                + (lastFailure == null ? ")" : "; last failure: " + lastFailure.getMessage() + ")"),
                taskId, lastStatus, lastFailure);
        this.deadline = deadline;
    }

    /**
     * The deadline that passed.
     *
     * @return the deadline
     */
    public Duration deadline() {
        return deadline;
    }

    @Override
    public TaskTimeoutException withLastStatus(@Nullable TaskStatus status) {
        return new TaskTimeoutException(String.valueOf(taskId()), deadline, status, getCause());
    }
}
