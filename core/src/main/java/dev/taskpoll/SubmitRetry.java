package dev.taskpoll;

import java.time.Duration;
import java.util.Objects;

/**
 * When a submit (or an asset upload) is sent again: only when it provably did not reach the API, never when a task
 * may have been created. Every setting of submit retries is here.
 *
 * <ul>
 *   <li>Not sent (the connection could not be made, no pooled connection was free): sent again after
 *       {@code notSentBackoff} (default 500 ms doubling to 30 s, ±20%).</li>
 *   <li>429: sent again after its {@code Retry-After} kept within {@code [retryAfterFloor, retryAfterCeiling]}
 *       (default 1 s to 5 min), or without one after {@code throttleBackoff} (default 1 s doubling to 60 s, ±20%).</li>
 *   <li>At most {@code maxAttempts} attempts in all, the first included (default 5; 1 to 100).</li>
 * </ul>
 *
 * @param maxAttempts       attempts in all, from 1 to 100
 * @param notSentBackoff    the wait after an attempt that was never sent
 * @param throttleBackoff   the wait after a 429 without a usable {@code Retry-After}
 * @param retryAfterFloor   the shortest wait a {@code Retry-After} can ask for; not negative
 * @param retryAfterCeiling the longest; at least the floor
 */
public record SubmitRetry(int maxAttempts, Backoff notSentBackoff, Backoff throttleBackoff, Duration retryAfterFloor,
                          Duration retryAfterCeiling) {

    /**
     * Settings with these values, each checked at once.
     *
     * @param maxAttempts       attempts in all, from 1 to 100
     * @param notSentBackoff    the wait after an attempt that was never sent
     * @param throttleBackoff   the wait after a 429 without a usable {@code Retry-After}
     * @param retryAfterFloor   the shortest wait a {@code Retry-After} can ask for; not negative
     * @param retryAfterCeiling the longest; at least the floor
     */
    public SubmitRetry {
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("submitRetry.maxAttempts: " + maxAttempts + " must be between 1 and 100");
        }
        Objects.requireNonNull(notSentBackoff, "submitRetry.notSentBackoff");
        Objects.requireNonNull(throttleBackoff, "submitRetry.throttleBackoff");
        Objects.requireNonNull(retryAfterFloor, "submitRetry.retryAfterFloor");
        Objects.requireNonNull(retryAfterCeiling, "submitRetry.retryAfterCeiling");
        if (retryAfterFloor.isNegative()) {
            throw new IllegalArgumentException("submitRetry.retryAfterFloor: " + retryAfterFloor
                    + " must not be negative");
        }
        if (retryAfterCeiling.compareTo(retryAfterFloor) < 0) {
            throw new IllegalArgumentException("submitRetry.retryAfterCeiling: " + retryAfterCeiling
                    + " must be at least the floor (" + retryAfterFloor + ")");
        }
    }

    /**
     * The defaults listed in the class comment.
     *
     * @return the default settings
     */
    public static SubmitRetry defaults() {
        return new SubmitRetry(5, new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.2),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.2), Duration.ofSeconds(1),
                Duration.ofMinutes(5));
    }

    /**
     * These settings with another number of attempts.
     *
     * @param attempts attempts in all, from 1 to 100
     * @return the new settings
     */
    public SubmitRetry withMaxAttempts(int attempts) {
        return new SubmitRetry(attempts, notSentBackoff, throttleBackoff, retryAfterFloor, retryAfterCeiling);
    }

    /**
     * The wait a {@code Retry-After} of {@code asked} gives: kept between the floor and the ceiling.
     *
     * @param asked the wait the {@code Retry-After} asks for
     * @return the wait
     */
    public Duration bound(Duration asked) {
        return asked.compareTo(retryAfterFloor) < 0 ? retryAfterFloor
                : asked.compareTo(retryAfterCeiling) > 0 ? retryAfterCeiling : asked;
    }
}
