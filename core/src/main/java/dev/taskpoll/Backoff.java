package dev.taskpoll;

import java.time.Duration;
import java.util.Objects;

/**
 * An exponential back-off with jitter: a pure function from the attempt number to a delay.
 *
 * <p>Attempt {@code n} (1-based) waits {@code min(max, initial * multiplier^(n-1))}, then spread by
 * {@code ± jitter} of itself, never above {@code max}.
 *
 * @param initial    the first delay; more than zero
 * @param max        the largest delay; at least {@code initial}
 * @param multiplier growth per attempt; at least 1
 * @param jitter     the spread as a fraction of the delay, from 0 (none) to 1
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

    /**
     * A back-off with these settings.
     *
     * @param initial    the first delay; more than zero
     * @param max        the largest delay; at least {@code initial}
     * @param multiplier growth per attempt; at least 1
     * @param jitter     the spread as a fraction of the delay, from 0 to 1
     */
    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isZero() || initial.isNegative()) {
            throw new IllegalArgumentException("initial: " + initial + " must be positive");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max: " + max + " must be at least initial (" + initial + ")");
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier: " + multiplier + " must be a finite number >= 1");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter: " + jitter + " must be between 0 and 1");
        }
    }

    /**
     * The delay before attempt {@code attempt}.
     *
     * @param attempt 1 for the first retry
     * @param random  a number in [0, 1) that places the delay within the jitter band
     * @return the delay, never above {@code max}
     */
    public Duration delay(int attempt, double random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt: " + attempt + " must be at least 1");
        }
        double base = initial.toNanos() * Math.pow(multiplier, attempt - 1);
        double capped = Math.min(base, max.toNanos());
        double spread = capped * jitter * (2 * random - 1);
        long nanos = (long) Math.min(max.toNanos(), Math.max(0, capped + spread));
        return Duration.ofNanos(nanos);
    }
}
