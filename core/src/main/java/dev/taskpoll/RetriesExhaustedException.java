package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * Transient failures (5xx, transport errors, malformed bodies) went on longer than the retry limit allows. The
 * cause is the last of them.
 */
public class RetriesExhaustedException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** How many attempts failed in a row. */
    private final int attempts;

    /**
     * Tracking of {@code taskId} gave up after {@code attempts} failures in a row.
     *
     * @param taskId     the task
     * @param attempts   how many attempts failed in a row
     * @param lastStatus the last status seen, or null
     * @param cause      the last failure
     */
    public RetriesExhaustedException(String taskId, int attempts, @Nullable TaskStatus lastStatus, Throwable cause) {
        super("gave up on task '" + taskId + "' after " + attempts + " failed attempts in a row; last: "
                + cause.getMessage(), taskId, lastStatus, cause);
        this.attempts = attempts;
    }

    /**
     * How many attempts failed in a row.
     *
     * @return the number of attempts
     */
    public int attempts() {
        return attempts;
    }

    @Override
    public RetriesExhaustedException withLastStatus(@Nullable TaskStatus status) {
        return new RetriesExhaustedException(String.valueOf(taskId()), attempts, status, getCause());
    }
}
