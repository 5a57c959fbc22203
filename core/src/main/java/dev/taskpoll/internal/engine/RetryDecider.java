package dev.taskpoll.internal.engine;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.TransportException;
import dev.taskpoll.spi.PollBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Decides, without waiting, what a failed poll leads to. Pure: the same inputs give the same answer, so the whole
 * retry policy is tested without time. The poll loop only schedules what this says.
 */
public final class RetryDecider {

    /** What kind of failure a poll ended with. */
    public enum Kind {
        /** 429: slow down, never give up (only the deadline ends the task). */
        THROTTLED,
        /** 408, 5xx, transport failures, malformed bodies: retry with back-off, a bounded number of times in a row. */
        TRANSIENT,
        /** Anything else (401, 403, 404, other 4xx, unexpected exceptions): end tracking. */
        PERMANENT
    }

    private final TrackerOptions options;

    public RetryDecider(TrackerOptions options) {
        this.options = options;
    }

    public static Kind classify(Throwable failure) {
        if (failure instanceof ApiStatusException a) {
            if (a.isThrottled()) {
                return Kind.THROTTLED;
            }
            return a.isTransient() ? Kind.TRANSIENT : Kind.PERMANENT;
        }
        if (failure instanceof TransportException || failure instanceof MalformedResponseException) {
            return Kind.TRANSIENT;
        }
        return Kind.PERMANENT;
    }

    /**
     * What a failed request tells the poll budget: 429 throttled; transient failed (but an envelope's business failure
     * is an answer); anything else, the API answered.
     */
    public static PollBudget.Outcome outcome(Throwable failure) {
        if (failure instanceof dev.taskpoll.internal.http.EnvelopeFailure) {
            return PollBudget.Outcome.ANSWERED; // a business failure: retried, but the API is up
        }
        switch (classify(failure)) {
            case THROTTLED:
                return PollBudget.Outcome.THROTTLED;
            case TRANSIENT:
                return PollBudget.Outcome.FAILED;
            default:
                return PollBudget.Outcome.ANSWERED; // a 4xx: the API is up
        }
    }

    /**
     * The wait after a 429.
     *
     * @param delay       how long
     * @param serverAsked whether it is the server's {@code Retry-After} (which the fleet then honours for everyone)
     */
    public record ThrottleDelay(Duration delay, boolean serverAsked) {
    }

    /**
     * The wait after the {@code attempt}-th 429 in a row: the {@code Retry-After} the server gave (seconds or HTTP
     * date, measured from {@code now}), kept between the floor and the ceiling; without a usable one, the throttle
     * back-off.
     */
    public ThrottleDelay throttleDelay(@Nullable String retryAfter, int attempt, Instant now, double random) {
        Optional<Duration> asked = RetryAfter.parse(retryAfter, now);
        if (asked.isPresent()) {
            Duration d = asked.get();
            Duration bounded = d.compareTo(options.retryAfterFloor()) < 0 ? options.retryAfterFloor()
                    : d.compareTo(options.retryAfterCeiling()) > 0 ? options.retryAfterCeiling() : d;
            return new ThrottleDelay(bounded, true);
        }
        return new ThrottleDelay(options.throttleBackoff().delay(attempt, random), false);
    }

    /** The wait after the {@code attempt}-th transient failure in a row. */
    public Duration transientDelay(int attempt, double random) {
        return options.transientBackoff().delay(attempt, random);
    }

    /** Whether the {@code attempt}-th transient failure in a row is one too many. */
    public boolean exhausted(int attempt) {
        return attempt > options.maxTransientRetries();
    }
}
