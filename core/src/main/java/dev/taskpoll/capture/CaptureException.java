package dev.taskpoll.capture;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollException;
import org.jspecify.annotations.Nullable;

/**
 * A result could not be stored: the task id, the URL's host (never its path or query, which may carry a signature)
 * and the reason. The partial file is deleted before this is raised.
 */
public final class CaptureException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** The host of the URL that failed. */
    private final String host;
    /** Why the result could not be stored. */
    private final String reason;
    /** Whether it was worth another attempt. */
    private final boolean transientFailure;

    CaptureException(String taskId, String host, String reason, boolean transientFailure,
                     @Nullable TaskStatus lastStatus, @Nullable Throwable cause) {
        super("capture of task '" + taskId + "' from " + host + " failed: " + reason, taskId, lastStatus, cause);
        this.host = host;
        this.reason = reason;
        this.transientFailure = transientFailure;
    }

    /**
     * The host of the URL that failed (never its path or query).
     *
     * @return the host
     */
    public String host() {
        return host;
    }

    /**
     * Why the result could not be stored.
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }

    /**
     * Whether it was worth another attempt (it was retried until the attempts ran out).
     *
     * @return true if it was transient
     */
    public boolean isTransient() {
        return transientFailure;
    }

    @Override
    public CaptureException withLastStatus(@Nullable TaskStatus status) {
        return new CaptureException(taskId(), host, reason, transientFailure, status, getCause());
    }
}
