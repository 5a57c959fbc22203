package dev.taskpoll.testkit;

/** How a 429 says when to come back. */
public enum RetryAfterMode {
    /** {@code Retry-After: <seconds>} (whole simulated seconds until a request would be allowed, at least 1). */
    SECONDS,
    /** {@code Retry-After: <HTTP date>} in simulated time. */
    HTTP_DATE,
    /** No {@code Retry-After} header. */
    NONE
}
