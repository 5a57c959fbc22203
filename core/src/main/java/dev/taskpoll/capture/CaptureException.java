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

    private final String host;
    private final String reason;
    private final boolean transientFailure;

    CaptureException(String taskId, String host, String reason, boolean transientFailure,
                     @Nullable TaskStatus lastStatus, @Nullable Throwable cause) {
        super("capture of task '" + taskId + "' from " + host + " failed: " + reason, taskId, lastStatus, cause);
        this.host = host;
        this.reason = reason;
        this.transientFailure = transientFailure;
    }

    public String host() {
        return host;
    }

    public String reason() {
        return reason;
    }

    /** Whether it was worth another attempt (it was retried until the attempts ran out). */
    public boolean isTransient() {
        return transientFailure;
    }

    @Override
    public CaptureException withLastStatus(@Nullable TaskStatus status) {
        return new CaptureException(taskId(), host, reason, transientFailure, status, getCause());
    }
}
