package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * Cluster mode: tracking of a task followed on this instance ended with an error on the instance that tracked it (a
 * deadline, an API error); the message carries what that instance recorded.
 */
public class EndedElsewhereException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /**
     * Tracking of {@code taskId} ended with {@code recordedError} on another instance.
     *
     * @param taskId        the task
     * @param recordedError the error that instance recorded
     * @param lastStatus    the last status seen, or null
     */
    public EndedElsewhereException(String taskId, String recordedError, @Nullable TaskStatus lastStatus) {
        super("tracking of task '" + taskId + "' ended on another instance: " + recordedError, taskId, lastStatus,
                null);
    }

    @Override
    public EndedElsewhereException withLastStatus(@Nullable TaskStatus status) {
        String id = taskId();
        String msg = String.valueOf(getMessage());
        int at = msg.indexOf("instance: ");
        return new EndedElsewhereException(id == null ? "" : id, at < 0 ? msg : msg.substring(at + 10), status);
    }
}
