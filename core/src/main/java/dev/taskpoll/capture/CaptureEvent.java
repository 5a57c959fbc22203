package dev.taskpoll.capture;

import java.nio.file.Path;
import java.time.Instant;

/** What a capture reports while it runs: each file stored, and a warning when it is late. Failures are errors. */
public sealed interface CaptureEvent {

    String taskId();

    /**
     * One result stored: renamed into place only once complete.
     *
     * @param index       the result's position in the task's result URLs, from 0
     * @param path        {@code <directory>/<task id>/<index>.<ext>}
     * @param size        bytes
     * @param sha256      lowercase hex SHA-256 of the bytes
     * @param contentType as the server said, or {@code application/octet-stream}
     * @param host        the host the bytes came from (after redirects)
     */
    record Stored(String taskId, int index, Path path, long size, String sha256, String contentType, String host)
            implements CaptureEvent {
    }

    /** The capture is still pending close to when the task's result URLs expire. */
    record ExpiryWarning(String taskId, Instant expiresAt) implements CaptureEvent {
    }
}
