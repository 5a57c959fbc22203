package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * A response body was larger than {@link ClientOptions#maxResponseBytes()}, the one limit on what taskpoll reads
 * from the API. Permanent: the same request would bring the same body, so it is not retried; raise the cap if the
 * API's bodies really are that large.
 */
public class ResponseTooLargeException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** The cap, in bytes. */
    private final long cap;

    /**
     * A body larger than {@code cap}.
     *
     * @param taskId the task, or null for a request that concerns none
     * @param cap    the cap, in bytes
     */
    public ResponseTooLargeException(@Nullable String taskId, long cap) {
        this(taskId, cap, null);
    }

    private ResponseTooLargeException(@Nullable String taskId, long cap, @Nullable TaskStatus lastStatus) {
        super("response body" + (taskId == null ? "" : " for task '" + taskId + "'") + " is larger than the cap of "
                + cap + " bytes (ClientOptions.maxResponseBytes)", taskId, lastStatus, null);
        this.cap = cap;
    }

    /**
     * The cap, in bytes.
     *
     * @return the cap, in bytes
     */
    public long cap() {
        return cap;
    }

    @Override
    public ResponseTooLargeException withLastStatus(@Nullable TaskStatus status) {
        return new ResponseTooLargeException(taskId(), cap, status);
    }
}
