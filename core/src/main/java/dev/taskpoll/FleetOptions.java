package dev.taskpoll;

import java.time.Duration;
import java.util.Objects;

/**
 * How the tasks of one client (one API key and base URL) share the API: one poll budget for all of them, on by
 * default ({@link #defaults()}).
 *
 * <ul>
 *   <li>Rate: at most {@code maxRate} requests per second for the whole fleet, requests admitted in the order they
 *       asked. The rate follows the API's quota: when most answers of a second are 429, or a {@code Retry-After}
 *       pauses the fleet, it drops to what got through (x 1.02); when 429s come but fewer, it probes one second at
 *       10% more (or less) and keeps the change only if goodput followed, so 429s that come whatever the rate do not
 *       drive it down; after {@code recoveryDelay} without a 429 it climbs by {@code increaseStep} per second
 *       (AIMD), never above {@code maxRate}, never below {@code minRate}.</li>
 *   <li>{@code Retry-After}: a 429 carrying it pauses the whole fleet until then, and the budget resumes at its rate
 *       rather than in a burst. If the answers right after a pause are 429 again (waiting did not help), fleet-wide
 *       pauses are skipped for 10 s, doubling to 5 min; each task still waits its own {@code Retry-After}.</li>
 *   <li>In flight: at most {@code maxInFlight} requests at once.</li>
 *   <li>Circuit: when at least {@code circuitFailureRate} percent of the last {@code circuitWindow} requests failed
 *       with 5xx, resets or timeouts, the fleet stops polling for {@code circuitOpenFor}, then lets a few probes
 *       through; tasks are not failed meanwhile (their deadlines still hold).</li>
 * </ul>
 *
 * @param enabled            false: every task paces itself only (per-task back-off), as other pollers do
 * @param maxRate            the ceiling, requests per second; at least 1 (default 500)
 * @param minRate            the floor after 429s, requests per second; from 1 to maxRate (default 1)
 * @param increaseStep       requests per second added each second without 429 (default 5% of maxRate, at least 1)
 * @param recoveryDelay      how long after the last 429 the rate starts climbing (default 5 s)
 * @param maxInFlight        requests in flight at once, fleet-wide (default 256)
 * @param circuitFailureRate percentage of failed requests that opens the circuit (default 50)
 * @param circuitWindow      requests the failure rate is measured over (default 100)
 * @param circuitOpenFor     how long an open circuit pauses polling before probing (default 30 s)
 */
public record FleetOptions(boolean enabled, int maxRate, int minRate, int increaseStep, Duration recoveryDelay,
                           int maxInFlight, int circuitFailureRate, int circuitWindow, Duration circuitOpenFor) {

    /**
     * Options with these settings, each checked at once.
     *
     * @param enabled            false: every task paces itself only
     * @param maxRate            the ceiling, requests per second; at least 1
     * @param minRate            the floor after 429s, requests per second; from 1 to maxRate
     * @param increaseStep       requests per second added each second without 429; at least 1
     * @param recoveryDelay      how long after the last 429 the rate starts climbing; not negative
     * @param maxInFlight        requests in flight at once, fleet-wide; at least 1
     * @param circuitFailureRate percentage of failed requests that opens the circuit, from 1 to 100
     * @param circuitWindow      requests the failure rate is measured over; at least 2
     * @param circuitOpenFor     how long an open circuit pauses polling before probing; positive
     * @throws InvalidOptionException naming the first setting that breaks its rule ({@code fleet.maxRate}...)
     */
    public FleetOptions {
        if (maxRate < 1) {
            throw new InvalidOptionException("fleet.maxRate", maxRate + " must be at least 1 per second");
        }
        if (minRate < 1 || minRate > maxRate) {
            throw new InvalidOptionException("fleet.minRate", minRate + " must be between 1 and maxRate ("
                    + maxRate + ")");
        }
        if (increaseStep < 1) {
            throw new InvalidOptionException("fleet.increaseStep", increaseStep + " must be at least 1");
        }
        Objects.requireNonNull(recoveryDelay, "fleet.recoveryDelay");
        if (recoveryDelay.isNegative()) {
            throw new InvalidOptionException("fleet.recoveryDelay", recoveryDelay + " must not be negative");
        }
        if (maxInFlight < 1) {
            throw new InvalidOptionException("fleet.maxInFlight", maxInFlight + " must be at least 1");
        }
        if (circuitFailureRate < 1 || circuitFailureRate > 100) {
            throw new InvalidOptionException("fleet.circuitFailureRate", circuitFailureRate
                    + " must be between 1 and 100");
        }
        if (circuitWindow < 2) {
            throw new InvalidOptionException("fleet.circuitWindow", circuitWindow + " must be at least 2");
        }
        Objects.requireNonNull(circuitOpenFor, "fleet.circuitOpenFor");
        if (circuitOpenFor.isNegative() || circuitOpenFor.isZero()) {
            throw new InvalidOptionException("fleet.circuitOpenFor", circuitOpenFor + " must be positive");
        }
    }

    /**
     * The defaults listed above.
     *
     * @return the default options
     */
    public static FleetOptions defaults() {
        return ofMaxRate(500);
    }

    /**
     * The defaults with another ceiling (and a step of 5% of it).
     *
     * @param maxRate the ceiling, requests per second; at least 1
     * @return the options
     */
    public static FleetOptions ofMaxRate(int maxRate) {
        return new FleetOptions(true, maxRate, 1, Math.max(1, maxRate / 20), Duration.ofSeconds(5), 256, 50, 100,
                Duration.ofSeconds(30));
    }

    /**
     * No shared budget: each task backs off on its own.
     *
     * @return options with the shared budget off
     */
    public static FleetOptions disabled() {
        return new FleetOptions(false, 1, 1, 1, Duration.ZERO, 1, 50, 2, Duration.ofSeconds(1));
    }

    /**
     * These options with another {@code maxInFlight}.
     *
     * @param max requests in flight at once, fleet-wide
     * @return the new options
     */
    public FleetOptions withMaxInFlight(int max) {
        return new FleetOptions(enabled, maxRate, minRate, increaseStep, recoveryDelay, max, circuitFailureRate,
                circuitWindow, circuitOpenFor);
    }

    /**
     * These options with another circuit: {@code circuitFailureRate}, {@code circuitWindow} and {@code circuitOpenFor}.
     *
     * @param failureRate percentage of failed requests that opens the circuit
     * @param window      requests the failure rate is measured over
     * @param openFor     how long an open circuit pauses polling before probing
     * @return the new options
     */
    public FleetOptions withCircuit(int failureRate, int window, Duration openFor) {
        return new FleetOptions(enabled, maxRate, minRate, increaseStep, recoveryDelay, maxInFlight, failureRate,
                window, openFor);
    }

    /**
     * These options with another {@code increaseStep} and {@code recoveryDelay}.
     *
     * @param step  requests per second added each second without 429
     * @param delay how long after the last 429 the rate starts climbing
     * @return the new options
     */
    public FleetOptions withRecovery(int step, Duration delay) {
        return new FleetOptions(enabled, maxRate, minRate, step, delay, maxInFlight, circuitFailureRate,
                circuitWindow, circuitOpenFor);
    }
}
