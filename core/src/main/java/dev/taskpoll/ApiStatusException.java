package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * The API answered with an HTTP status other than 2xx. When tracking, 429 slows polling and 408 and 5xx are
 * retried; any other status (401, 403, 404...) ends tracking with this exception.
 */
public class ApiStatusException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status code. */
    private final int httpStatus;
    /** The {@code Retry-After} header as received, or null. */
    private final @Nullable String retryAfter;

    /**
     * The API answered {@code httpStatus}.
     *
     * @param taskId     the task, or null for a request that concerns none
     * @param httpStatus the HTTP status code
     * @param retryAfter the {@code Retry-After} header as received, or null
     * @param lastStatus the last status seen, or null
     */
    public ApiStatusException(@Nullable String taskId, int httpStatus, @Nullable String retryAfter,
                              @Nullable TaskStatus lastStatus) {
        this(taskId, httpStatus, retryAfter, lastStatus, null);
    }

    /**
     * As above, with the URL that answered: a 404's message names it (without user info or query), since a 404 for
     * every task usually means a wrong base URL.
     *
     * @param taskId     the task, or null for a request that concerns none
     * @param httpStatus the HTTP status code
     * @param retryAfter the {@code Retry-After} header as received, or null
     * @param lastStatus the last status seen, or null
     * @param url        the URL that answered, or null
     */
    public ApiStatusException(@Nullable String taskId, int httpStatus, @Nullable String retryAfter,
                              @Nullable TaskStatus lastStatus, @Nullable String url) {
        super(message(taskId, httpStatus, url), taskId, lastStatus, null);
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
        this.url = url;
    }

    /** The URL that answered a 404, or null. */
    private final @Nullable String url;

    private static String message(@Nullable String taskId, int httpStatus, @Nullable String url) {
        String reason = reason(httpStatus);
        String shown = httpStatus == 404 && url != null ? TaskStatus.redact(url) : null;
        return "HTTP " + httpStatus + (reason.isEmpty() ? "" : " " + reason)
                + (taskId == null ? "" : " for task '" + taskId + "'")
                + (shown == null ? "" : " (GET " + shown + ": no such task there; is the base URL right?)");
    }

    private static String reason(int status) {
        switch (status) {
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 402: return "Payment Required";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 408: return "Request Timeout";
            case 429: return "Too Many Requests";
            case 500: return "Internal Server Error";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            default: return "";
        }
    }

    /**
     * The URL that answered a 404 (as received, which may carry a query); null for other statuses.
     *
     * @return the URL, or null
     */
    public @Nullable String url() {
        return url;
    }

    /**
     * The HTTP status code.
     *
     * @return the status code
     */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The {@code Retry-After} header exactly as received (seconds or an HTTP date), if there was one.
     *
     * @return the header's value, or null
     */
    public @Nullable String retryAfter() {
        return retryAfter;
    }

    /**
     * Whether the status means "slow down": 429.
     *
     * @return true for 429
     */
    public boolean isThrottled() {
        return httpStatus == 429;
    }

    /**
     * Whether the status is worth retrying: 408 or 5xx.
     *
     * @return true for 408 and 5xx
     */
    public boolean isTransient() {
        return httpStatus == 408 || httpStatus >= 500;
    }

    @Override
    public ApiStatusException withLastStatus(@Nullable TaskStatus status) {
        return new ApiStatusException(taskId(), httpStatus, retryAfter, status, url);
    }
}
