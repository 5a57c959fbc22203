package dev.taskpoll;

import java.time.Duration;
import java.util.Objects;

/**
 * How the tasks of one client (one API key and base URL) share the API: one poll budget for all of them.
 * <strong>Experimental and off by default</strong> ({@link TrackerOptions.Builder#fleet}): the AIMD below reacts to
 * any 429, so 429s that come at random whatever the rate drive the rate to {@code minRate}.
 *
 * <ul>
 *   <li>Rate: at most {@code maxRate} requests per second for the whole fleet. A 429 on any task halves the rate
 *       (at most once per second, never below {@code minRate}) and, when it carries {@code Retry-After}, pauses the
 *       whole fleet until then; after {@code recoveryDelay} without a 429 the rate climbs back by {@code increaseStep}
 *       per second, never above {@code maxRate} (AIMD).</li>
 *   <li>In flight: at most {@code maxInFlight} requests at once.</li>
 *   <li>Circuit: when at least {@code circuitFailureRate} percent of the last {@code circuitWindow} requests failed
 *       with 5xx, resets or timeouts, the fleet stops polling for {@code circuitOpenFor}, then lets a few probes
 *       through; tasks are not failed meanwhile (their deadlines still hold).</li>
 * </ul>
 *
 * @param enabled            false: every task paces itself only (per-task back-off), as other pollers do
 * @param maxRate            the ceiling, requests per second; at least 1 (default 500)
 * @param minRate            the floor after 429s, requests per second; from 1 to maxRate (default 1)
 * @param increaseStep       requests per second added each second without 429 (default 5% of maxRate)
 * @param recoveryDelay      how long after the last 429 the rate starts climbing (default 5 s)
 * @param maxInFlight        requests in flight at once, fleet-wide (default 256)
 * @param circuitFailureRate percentage of failed requests that opens the circuit (default 50)
 * @param circuitWindow      requests the failure rate is measured over (default 100)
 * @param circuitOpenFor     how long an open circuit pauses polling before probing (default 30 s)
 */
public record FleetOptions(boolean enabled, int maxRate, int minRate, int increaseStep, Duration recoveryDelay,
                           int maxInFlight, int circuitFailureRate, int circuitWindow, Duration circuitOpenFor) {

    public FleetOptions {
        if (maxRate < 1) {
            throw new IllegalArgumentException("fleet.maxRate: " + maxRate + " must be at least 1 per second");
        }
        if (minRate < 1 || minRate > maxRate) {
            throw new IllegalArgumentException("fleet.minRate: " + minRate + " must be between 1 and maxRate ("
                    + maxRate + ")");
        }
        if (increaseStep < 1) {
            throw new IllegalArgumentException("fleet.increaseStep: " + increaseStep + " must be at least 1");
        }
        Objects.requireNonNull(recoveryDelay, "fleet.recoveryDelay");
        if (recoveryDelay.isNegative()) {
            throw new IllegalArgumentException("fleet.recoveryDelay: " + recoveryDelay + " must not be negative");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("fleet.maxInFlight: " + maxInFlight + " must be at least 1");
        }
        if (circuitFailureRate < 1 || circuitFailureRate > 100) {
            throw new IllegalArgumentException("fleet.circuitFailureRate: " + circuitFailureRate
                    + " must be between 1 and 100");
        }
        if (circuitWindow < 2) {
            throw new IllegalArgumentException("fleet.circuitWindow: " + circuitWindow + " must be at least 2");
        }
        Objects.requireNonNull(circuitOpenFor, "fleet.circuitOpenFor");
        if (circuitOpenFor.isNegative() || circuitOpenFor.isZero()) {
            throw new IllegalArgumentException("fleet.circuitOpenFor: " + circuitOpenFor + " must be positive");
        }
    }

    /** The defaults listed above. */
    public static FleetOptions defaults() {
        return ofMaxRate(500);
    }

    /** The defaults with another ceiling (and a step of 5% of it). */
    public static FleetOptions ofMaxRate(int maxRate) {
        return new FleetOptions(true, maxRate, 1, Math.max(1, maxRate / 20), Duration.ofSeconds(5), 256, 50, 100,
                Duration.ofSeconds(30));
    }

    /** No shared budget: each task backs off on its own. */
    public static FleetOptions disabled() {
        return new FleetOptions(false, 1, 1, 1, Duration.ZERO, 1, 50, 2, Duration.ofSeconds(1));
    }

    public FleetOptions withMaxInFlight(int max) {
        return new FleetOptions(enabled, maxRate, minRate, increaseStep, recoveryDelay, max, circuitFailureRate,
                circuitWindow, circuitOpenFor);
    }

    public FleetOptions withCircuit(int failureRate, int window, Duration openFor) {
        return new FleetOptions(enabled, maxRate, minRate, increaseStep, recoveryDelay, maxInFlight, failureRate,
                window, openFor);
    }

    public FleetOptions withRecovery(int step, Duration delay) {
        return new FleetOptions(enabled, maxRate, minRate, step, delay, maxInFlight, circuitFailureRate,
                circuitWindow, circuitOpenFor);
    }
}
