package dev.taskpoll.capture;

import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskStatus;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What a capture reports while it runs: each file stored, a warning when it is late, and, from
 * {@link ResultCapture#attach}, its failure.
 */
public sealed interface CaptureEvent extends TaskEvent {

    /**
     * One result stored: renamed into place only once complete.
     *
     * @param taskId      the task
     * @param index       the result's position in the task's result URLs, from 0
     * @param path        {@code <directory>/<task directory>/<index>.<ext>}
     * @param size        bytes
     * @param sha256      lowercase hex SHA-256 of the bytes
     * @param contentType as the server said, or {@code application/octet-stream}
     * @param host        the host the bytes came from (after redirects)
     */
    record Stored(String taskId, int index, Path path, long size, String sha256, String contentType, String host)
            implements CaptureEvent {
    }

    /**
     * The capture is still pending close to when the task's result URLs expire.
     *
     * @param taskId    the task
     * @param expiresAt when its result URLs expire
     */
    record ExpiryWarning(String taskId, Instant expiresAt) implements CaptureEvent {
    }

    /**
     * The results of a completed task could not all be stored (or it had none to store). The completed status follows
     * this event all the same: it is in {@link CaptureException#lastStatus()} too, with its result URLs, so that they
     * can still be fetched while they live.
     *
     * @param taskId  the task
     * @param failure task id, host and reason
     */
    record Failed(String taskId, CaptureException failure) implements CaptureEvent, TaskEvent.Failure {

        /**
         * The completed status whose results were not stored.
         *
         * @return the completed status
         */
        public TaskStatus status() {
            return java.util.Objects.requireNonNull(failure.lastStatus(), "lastStatus");
        }
    }
}
