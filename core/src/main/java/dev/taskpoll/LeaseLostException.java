package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * Cluster mode: a write for a task was refused because this instance no longer holds the lease of the task's shard
 * (it was paused longer than the lease, or lost Redis for that long, and another instance took the task over). The
 * tracker stops polling the task here without ending it, and follows what the new holder records: a stale status
 * is never emitted nor recorded.
 */
public class LeaseLostException extends TaskStoreException {

    private static final long serialVersionUID = 1L;

    /**
     * A write refused for want of the lease.
     *
     * @param message what was refused, and why
     * @param taskId  the task, or null
     */
    public LeaseLostException(String message, @Nullable String taskId) {
        super(message, taskId, null);
    }

    private LeaseLostException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                               @Nullable Throwable cause) {
        super(message, taskId, lastStatus, cause);
    }

    @Override
    public LeaseLostException withLastStatus(@Nullable TaskStatus status) {
        return new LeaseLostException(getMessage(), taskId(), status, getCause());
    }
}
