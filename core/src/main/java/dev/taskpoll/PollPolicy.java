package dev.taskpoll;

import java.time.Duration;
import java.util.Objects;

/**
 * When a task is polled and how long it may take.
 *
 * <p>With the learned cadence (the default), {@code period} is its guard (never a longer interval once past the
 * model's learned 95th percentile) and half of it its mean-lag target; {@code initialDelay} is not used. On the fixed
 * grid ({@link TrackerOptions.Builder#fixedGrid()}), the first poll happens {@code initialDelay} after tracking
 * starts, then every {@code period}
 * (a 30 s policy polls at 30, 60, 90 s...), shifted by the task's random phase
 * ({@link TrackerOptions.Builder#phaseSpread(double)}, default up to 20% of the period). A slow response or a back-off delays the next poll to the next grid
 * point; polls never pile up. The task fails with {@link TaskTimeoutException} when {@code deadline} has passed
 * since tracking started, whatever the server says.
 *
 * @param initialDelay before the first poll; zero or more
 * @param period       between polls; at least 1 ms
 * @param deadline     the total time allowed from the start of tracking; more than zero
 */
public record PollPolicy(Duration initialDelay, Duration period, Duration deadline) {

    /**
     * A policy with these times.
     *
     * @param initialDelay before the first poll; zero or more
     * @param period       between polls; at least 1 ms
     * @param deadline     the total time allowed from the start of tracking; more than zero
     */
    public PollPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(deadline, "deadline");
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay: " + initialDelay + " must not be negative");
        }
        if (period.toMillis() < 1) {
            throw new IllegalArgumentException("period: " + period + " must be at least 1 ms");
        }
        if (deadline.isZero() || deadline.isNegative()) {
            throw new IllegalArgumentException("deadline: " + deadline + " must be positive");
        }
    }

    /**
     * A policy whose first poll comes one {@code period} after the start (on the fixed grid; the learned cadence
     * plans its own first poll).
     *
     * @param period   between polls, and before the first
     * @param deadline the total time allowed from the start of tracking
     * @return the policy
     */
    public static PollPolicy of(Duration period, Duration deadline) {
        return new PollPolicy(period, period, deadline);
    }

    /**
     * This policy with another period; a first poll that was one period away stays one period away.
     *
     * @param newPeriod the new period
     * @return the new policy
     */
    public PollPolicy withPeriod(Duration newPeriod) {
        return new PollPolicy(initialDelay.equals(period) ? newPeriod : initialDelay, newPeriod, deadline);
    }

    /**
     * This policy with another total deadline.
     *
     * @param newDeadline the new deadline
     * @return the new policy
     */
    public PollPolicy withDeadline(Duration newDeadline) {
        return new PollPolicy(initialDelay, period, newDeadline);
    }
}
