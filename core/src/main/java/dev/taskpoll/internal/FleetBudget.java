package dev.taskpoll.internal;

import dev.taskpoll.FleetOptions;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * One poll budget for every task of a client: a token bucket whose rate moves by AIMD (halved on a 429 at most once a
 * second, raised by a step each second once 429s have stopped), a fleet-wide pause until a 429's {@code Retry-After},
 * a Resilience4j {@link Bulkhead} on requests in flight, and a Resilience4j {@link CircuitBreaker} that pauses
 * everyone while the API fails broadly. Every clock is the tracker's, and every wait is on the shared timer: no
 * thread, no {@code Thread.sleep}, virtual time works.
 *
 * <p>Why not Resilience4j's {@code AtomicRateLimiter} (nor its reactor operator, which uses it): it backs off from
 * CAS contention with {@code LockSupport.parkNanos}, which BlockHound caught parking a timer thread with 10,000
 * tasks. The bucket here is a few arithmetic operations under a monitor held for nanoseconds. The bulkhead is
 * asked with a zero timeout (never parks); the breaker uses its lock-free sliding window and is only entered under
 * its own monitor, so its internal transition lock is never contended.
 */
public final class FleetBudget {

    private static final long AIMD_STEP_MILLIS = 1000;

    private final FleetOptions options;
    private final SharedTimer timer;
    private final Bulkhead bulkhead;
    private final CircuitBreaker circuit;

    // guarded by this
    private int rate;
    private double tokens;
    private long lastRefill;
    private long lastDecrease = Long.MIN_VALUE / 2;
    private long lastIncrease = Long.MIN_VALUE / 2;
    private long last429 = Long.MIN_VALUE / 2;
    private volatile long pausedUntil;

    public FleetBudget(FleetOptions options, SharedTimer timer, Clock clock) {
        this.options = options;
        this.timer = timer;
        this.rate = options.maxRate();
        this.tokens = options.maxRate();
        this.lastRefill = timer.now();
        this.bulkhead = Bulkhead.of("taskpoll-fleet", BulkheadConfig.custom()
                .maxConcurrentCalls(options.maxInFlight())
                .maxWaitDuration(Duration.ZERO)
                .build());
        this.circuit = CircuitBreaker.of("taskpoll-fleet", CircuitBreakerConfig.custom()
                .failureRateThreshold(options.circuitFailureRate())
                .slidingWindow(options.circuitWindow(), options.circuitWindow(),
                        CircuitBreakerConfig.SlidingWindowType.COUNT_BASED,
                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .waitDurationInOpenState(options.circuitOpenFor())
                .permittedNumberOfCallsInHalfOpenState(Math.max(1, Math.min(10, options.circuitWindow() / 10)))
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .clock(clock)
                .build());
    }

    /**
     * Completes when one request may be sent, holding a rate permit, a place in flight and the circuit's permission;
     * release them with the returned ticket's {@code done(...)}. Waits (on the shared timer) while the fleet is
     * paused, the circuit is open, the budget is spent or too many requests are in flight.
     */
    public Mono<Ticket> admit() {
        return Mono.defer(() -> {
            long now = timer.now();
            long wait = tryAdmit(now);
            return wait == 0 ? Mono.just(new Ticket(now)) : timer.delay(wait).then(admit());
        });
    }

    /** 0 when admitted (permits taken), else how long to wait before asking again. */
    private long tryAdmit(long now) {
        long paused = pausedUntil - now;
        if (paused > 0) {
            return paused;
        }
        maybeIncrease(now);
        boolean permitted;
        synchronized (circuit) {
            permitted = circuit.tryAcquirePermission();
        }
        if (!permitted) {
            return Math.max(10, Math.min(1000, options.circuitOpenFor().toMillis() / 10));
        }
        if (!bulkhead.tryAcquirePermission()) {
            releaseCircuit();
            return 10;
        }
        long wait = takeToken(now);
        if (wait > 0) {
            bulkhead.onComplete();
            releaseCircuit();
        }
        return wait;
    }

    /**
     * Every call into the breaker holds its monitor: Resilience4j's state machine takes a {@code ReentrantLock} on
     * transitions, and two threads meeting there park one (BlockHound caught it at open to half-open); serialised,
     * that lock is never contended.
     */
    private void releaseCircuit() {
        synchronized (circuit) {
            circuit.releasePermission();
        }
    }

    /** 0 when a token was taken, else the milliseconds until one will be there. The bucket holds one second. */
    private synchronized long takeToken(long now) {
        if (now > lastRefill) {
            tokens = Math.min(rate, tokens + (now - lastRefill) * (double) rate / 1000.0);
            lastRefill = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) * 1000.0 / rate));
    }

    private void maybeIncrease(long now) {
        if (rate >= options.maxRate()) {
            return;
        }
        synchronized (this) {
            if (rate < options.maxRate() && now - last429 >= options.recoveryDelay().toMillis()
                    && now - lastIncrease >= AIMD_STEP_MILLIS && now - lastDecrease >= AIMD_STEP_MILLIS) {
                rate = Math.min(options.maxRate(), rate + options.increaseStep());
                lastIncrease = now;
            }
        }
    }

    /** A 429 anywhere in the fleet: halve the rate (once a second at most) and pause everyone for its Retry-After. */
    void throttled(long now, @Nullable Duration retryAfter) {
        synchronized (this) {
            last429 = now;
            if (now - lastDecrease >= AIMD_STEP_MILLIS) {
                rate = Math.max(options.minRate(), rate / 2);
                tokens = Math.min(tokens, rate);
                lastDecrease = now;
            }
        }
        if (retryAfter != null) {
            long until = now + retryAfter.toMillis();
            synchronized (this) {
                if (until > pausedUntil) {
                    pausedUntil = until;
                }
            }
        }
    }

    public synchronized int currentRate() {
        return rate;
    }

    public int inFlight() {
        return options.maxInFlight() - bulkhead.getMetrics().getAvailableConcurrentCalls();
    }

    public String circuitState() {
        synchronized (circuit) {
            return circuit.getState().name();
        }
    }

    public long pausedMillis() {
        return Math.max(0, pausedUntil - timer.now());
    }

    /** The permits one admitted request holds; released exactly once. */
    public final class Ticket {
        private final long admittedAt;
        private final AtomicBoolean done = new AtomicBoolean();

        Ticket(long admittedAt) {
            this.admittedAt = admittedAt;
        }

        /** The request ended: {@code failure} null for an answer, else what it failed with; null and cancelled. */
        public void done(@Nullable Throwable failure, boolean cancelled) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            bulkhead.onComplete();
            long elapsed = Math.max(0, timer.now() - admittedAt);
            synchronized (circuit) {
                if (cancelled) {
                    circuit.releasePermission();
                } else if (failure != null && RetryDecider.classify(failure) == RetryDecider.Kind.TRANSIENT) {
                    circuit.onError(elapsed, TimeUnit.MILLISECONDS, failure);
                } else {
                    circuit.onSuccess(elapsed, TimeUnit.MILLISECONDS); // 2xx, 429 or a 4xx: it is up
                }
            }
        }
    }
}
