package dev.taskpoll.spi;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Cluster mode: one fleet budget for an API key across several instances. Each instance keeps its local budget (the
 * queue, the in-flight limit, the circuit, its own reading of 429s) and, every {@link #every()}, tells the shared
 * side what happened here and gets back its share: a rate ceiling (its part of the key's rate, by its demand), an
 * in-flight ceiling (its part of the key's in-flight limit) and how long the whole fleet is paused (an implementation
 * may share a {@code Retry-After} any instance saw; Redis's does not, see {@code RedisFleetShare}). The shared side
 * takes time from its own clock. Nothing of it is on a request's path: a request
 * waits only for the local budget.
 *
 * <p><b>Call order:</b> {@link #sync} every {@link #every()}, one at a time, from the tracker's timer thread; it must
 * not block (I/O on its own client). A failed or late sync keeps the last share.
 */
public interface FleetShare {

    /**
     * How often this instance syncs (default 200 ms).
     *
     * @return the period between syncs
     */
    default Duration every() {
        return Duration.ofMillis(200);
    }

    /**
     * What happened here since the last sync; answers this instance's share.
     *
     * @param report what happened here since the last sync
     * @return this instance's share
     */
    Mono<Share> sync(Report report);

    /**
     * What one instance reports.
     *
     * @param answered   requests answered (not 429) since the last sync
     * @param throttled  429 answers since the last sync
     * @param retryAfter the longest {@code Retry-After} a 429 carried since the last sync, if any
     * @param demand     requests waiting and in flight here now, plus what the local rate admitted since the last
     *                   sync: how much of the budget this instance wants
     */
    record Report(long answered, long throttled, @Nullable Duration retryAfter, double demand) {
    }

    /**
     * An instance's share.
     *
     * @param rate     requests per second this instance may send now
     * @param paused   how long the whole fleet is paused from now (zero when it is not)
     * @param inFlight requests this instance may have in flight at once: its part of the key's in-flight limit (at
     *                 least 1; the local limit still applies when it is lower)
     */
    record Share(double rate, Duration paused, int inFlight) {
        /**
         * A share; {@code inFlight} is at least 1.
         *
         * @param rate     requests per second this instance may send now
         * @param paused   how long the whole fleet is paused from now
         * @param inFlight requests this instance may have in flight at once; at least 1
         */
        public Share {
            Objects.requireNonNull(paused, "paused");
            if (inFlight < 1) {
                throw new IllegalArgumentException("inFlight: " + inFlight + " must be at least 1");
            }
        }
    }
}
