package dev.taskpoll.spi;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The budget every status request of a tracker goes through: how many may be in flight, how fast they may go, and
 * when the whole fleet pauses. The default is the local fleet budget that {@link dev.taskpoll.FleetOptions}
 * configures (a rate that follows the API's quota, a fleet-wide {@code Retry-After} pause, a bulkhead and a circuit
 * breaker); {@link dev.taskpoll.FleetOptions#disabled()} means {@link #unlimited()}. Cluster mode shares one budget
 * between instances.
 *
 * <p><b>Call order</b>, for every request (a poll, and each retry of it):
 * <ol>
 *   <li>{@link #admit()} is subscribed once. When it emits a {@link Permit}, the request is sent.</li>
 *   <li>When the request ends, {@link Permit#done(Outcome)} is called exactly once, with {@link Outcome#ANSWERED}
 *       (an answer other than 429: 2xx or a 4xx), {@link Outcome#THROTTLED} (429), {@link Outcome#FAILED} (408, 5xx,
 *       no response, a malformed body) or {@link Outcome#CANCELLED} (the task ended while it was in flight).</li>
 *   <li>After a 429, {@link #throttled(Duration)} is called once, with the server's {@code Retry-After} (already kept
 *       within the tracker's bounds) when it gave one, else {@code null}.</li>
 * </ol>
 * If the subscription to {@code admit()} is cancelled before a permit is emitted, no permit is held and
 * {@code done} is never called: a permit granted while the cancel raced must be taken back by the budget itself.
 *
 * <p><b>Threading:</b> every method is called from Reactor Netty event loops and the tracker's timer thread,
 * concurrently, for many tasks at once. None may block (no I/O, no lock held longer than a few field updates, no
 * park); a budget that waits does it on a timer. {@code admit()}'s {@code Mono} may complete on any thread.
 * Implementations take time from the tracker's scheduler (the local budget) or from their shared store's clock
 * (cluster mode), never from {@code System.currentTimeMillis()} behind the tracker's back.
 */
public interface PollBudget {

    /**
     * Completes with a permit when one request may be sent; waits (without blocking) while the budget is spent, the
     * fleet is paused or too many requests are in flight. Cold: each subscription asks for one permit.
     *
     * @return the permit, once one request may be sent
     */
    Mono<Permit> admit();

    /**
     * A 429 was answered; {@code retryAfter} is the server's wait when it gave one.
     *
     * @param retryAfter the server's wait, or null
     */
    void throttled(@Nullable Duration retryAfter);

    /**
     * The budget now, for {@link dev.taskpoll.FleetStats}.
     *
     * @return a snapshot
     */
    Stats stats();

    /** One admitted request's share of the budget; {@link #done} releases it, exactly once. */
    interface Permit {
        /**
         * Releases this permit: called exactly once, when the request ends.
         *
         * @param outcome how the request ended
         */
        void done(Outcome outcome);
    }

    /** How an admitted request ended. */
    enum Outcome {
        /** An answer other than 429: a status, or a 4xx. */
        ANSWERED,
        /** 429. */
        THROTTLED,
        /** 408, 5xx, no complete response, or a malformed body. */
        FAILED,
        /** The request was cancelled in flight (the task ended, or its last subscriber left). */
        CANCELLED
    }

    /**
     * @param rate         requests per second allowed now
     * @param inFlight     permits held
     * @param waiting      requests waiting for a permit
     * @param circuit      {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, or {@code DISABLED} when there is none
     * @param pausedMillis ms left of a fleet-wide pause
     */
    record Stats(int rate, int inFlight, int waiting, String circuit, long pausedMillis) {
    }

    /**
     * No budget: every request is admitted at once; each task paces itself alone.
     *
     * @return the budget
     */
    static PollBudget unlimited() {
        return Unlimited.INSTANCE;
    }

    /** The tracker is closing: stop any work of the budget's own (a cluster share's syncs). Nothing by default. */
    default void close() {
    }

    /**
     * Whether this is {@link #unlimited()} (the tracker then skips the budget altogether).
     *
     * @return true for {@link #unlimited()}
     */
    default boolean isUnlimited() {
        return false;
    }
}
