package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * Tracking of a task stopped because its client was closed, not because the task ended. With a durable task store
 * the task is still open there and its tracking resumes when a client opens the store again.
 */
public class TrackingStoppedException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** Whether a durable store holds the task. */
    private final boolean resumes;

    /**
     * Tracking of {@code taskId} stopped because its client was closed.
     *
     * @param taskId     the task
     * @param resumes    whether a durable store holds the task, so that it resumes
     * @param lastStatus the last status seen, or null
     */
    public TrackingStoppedException(String taskId, boolean resumes, @Nullable TaskStatus lastStatus) {
        super("tracking of task '" + taskId + "' stopped: the client was closed"
                + (resumes ? "; the task is still open in the store and resumes at the next start" : ""),
                taskId, lastStatus, null);
        this.resumes = resumes;
    }

    /**
     * Whether a durable store holds the task: it resumes when a client opens the store again.
     *
     * @return true if it resumes
     */
    public boolean resumes() {
        return resumes;
    }

    @Override
    public TrackingStoppedException withLastStatus(@Nullable TaskStatus status) {
        String id = taskId();
        return new TrackingStoppedException(id == null ? "" : id, resumes, status);
    }
}
