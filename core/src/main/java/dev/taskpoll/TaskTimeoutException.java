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
        super("task '" + taskId + "' not finished within its deadline of " + shown(deadline)
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

    /** A deadline as a person reads it: "30 min", "3 s", "1.5 s", "500 ms" (not Duration's "PT30M"). */
    private static String shown(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + " min";
        }
        return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }
}
