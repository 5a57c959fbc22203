package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * The API answered with an HTTP status other than 2xx. When tracking, 429 slows polling and 408 and 5xx are
 * retried; any other status (401, 403, 404...) ends tracking with this exception.
 */
public class ApiStatusException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final @Nullable String retryAfter;

    public ApiStatusException(@Nullable String taskId, int httpStatus, @Nullable String retryAfter,
                              @Nullable TaskStatus lastStatus) {
        super(message(taskId, httpStatus), taskId, lastStatus, null);
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
    }

    private static String message(@Nullable String taskId, int httpStatus) {
        String reason = reason(httpStatus);
        return "HTTP " + httpStatus + (reason.isEmpty() ? "" : " " + reason)
                + (taskId == null ? "" : " for task '" + taskId + "'");
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

    /** The HTTP status code. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The {@code Retry-After} header exactly as received (seconds or an HTTP date), if there was one. */
    public @Nullable String retryAfter() {
        return retryAfter;
    }

    /** Whether the status means "slow down": 429. */
    public boolean isThrottled() {
        return httpStatus == 429;
    }

    /** Whether the status is worth retrying: 408 or 5xx. */
    public boolean isTransient() {
        return httpStatus == 408 || httpStatus >= 500;
    }

    @Override
    public ApiStatusException withLastStatus(@Nullable TaskStatus status) {
        return new ApiStatusException(taskId(), httpStatus, retryAfter, status);
    }
}
