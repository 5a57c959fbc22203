package dev.taskpoll;

/**
 * A snapshot of a client's fleet.
 *
 * @param activeTasks    tasks being polled
 * @param requestsSent   status requests sent, retries included
 * @param throttled      429 answers
 * @param retries        attempts that were retries (after a 429 or a transient failure)
 * @param currentRate    the shared budget's rate now, requests per second (0 when the budget is disabled)
 * @param inFlight       requests in flight now
 * @param circuitState   CLOSED, OPEN, HALF_OPEN (or DISABLED)
 * @param pausedMillis   how much longer the fleet is paused by a Retry-After (0 when not paused)
 * @param waiting        requests waiting for the shared budget now (0 when the budget is disabled)
 */
public record FleetStats(int activeTasks, long requestsSent, long throttled, long retries, int currentRate,
                         int inFlight, String circuitState, long pausedMillis, int waiting) {
}
