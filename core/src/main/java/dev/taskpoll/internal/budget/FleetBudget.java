package dev.taskpoll.internal.budget;

import dev.taskpoll.FleetOptions;
import dev.taskpoll.internal.engine.SharedTimer;
import dev.taskpoll.spi.FleetShare;
import dev.taskpoll.spi.PollBudget;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

/**
 * One poll budget for every task of a client: a token bucket whose rate a {@link RateController} moves (down to what
 * gets through when 429s follow the rate, up additively when 429s stop), a fleet-wide pause until a 429's
 * {@code Retry-After}, a Resilience4j {@link Bulkhead} on requests in flight, and a Resilience4j {@link CircuitBreaker}
 * that pauses everyone while the API fails broadly. Requests wait in one FIFO queue, drained by one timer wake-up at
 * a time (no thundering herd of retrying tasks). Every clock is the tracker's, and every wait is on the shared timer:
 * no thread, no {@code Thread.sleep}, virtual time works.
 *
 * <p>A fleet-wide {@code Retry-After} pause is judged by what follows it: if the first {@value #PAUSE_VERDICT}
 * answers after it include {@value #PAUSE_FAILED} or more 429s, waiting did not help (the 429s are not about the
 * key's quota) and fleet-wide pauses are skipped for a cool-down (10 s, doubling to 5 min while pauses keep not
 * helping); the task that got the 429 still waits its own {@code Retry-After}. A pause followed by no 429 at all tells
 * the {@link RateController} that the 429s were a quota's.
 *
 * <p>Why not Resilience4j's {@code AtomicRateLimiter} (nor its reactor operator, which uses it): it backs off from
 * CAS contention with {@code LockSupport.parkNanos}, which BlockHound caught parking a timer thread with 10,000
 * tasks. The bucket here is a few arithmetic operations under a monitor held for nanoseconds. The bulkhead is
 * asked with a zero timeout (never parks); the breaker is only entered under its own monitor, so neither its
 * transition lock nor its sliding window's lock is ever contended.
 *
 * <p>Why the breaker's synchronized (array) sliding window and not its lock-free one: the lock-free window appends a
 * linked node with a copy of its counters for every request, and a node that lived long enough to be promoted keeps,
 * once dead, every node after it alive through its {@code next} field until an old-generation collection. Measured
 * with 100,000 tracked tasks: every young GC copied ~3 MB of such nodes per age, and the client's GC pauses set the
 * poll lateness tail. The array window reuses one slot per request.
 */
public final class FleetBudget implements PollBudget {

    /** What the circuit breaker records for a failed request (it wants a throwable; the kind is all it uses). */
    private static final Throwable FAILED = new Exception("request failed", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    static final int PAUSE_VERDICT = 50;
    static final int PAUSE_FAILED = 3;
    private static final long COOL_DOWN_MIN = 10_000;
    private static final long COOL_DOWN_MAX = 300_000;

    private final FleetOptions options;
    private final SharedTimer timer;
    private final Bulkhead bulkhead;
    private final CircuitBreaker circuit;

    // guarded by this
    private final RateController controller;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Waiters in the queue that were cancelled (left for the drain to skip, or for a compaction). */
    private int cancelledQueued;
    private final Mono<Permit> admission = new WaitInLine();
    private final ThreadLocal<DrainState> drainState = ThreadLocal.withInitial(DrainState::new);
    private boolean wakeUpArmed;
    private double tokens;
    private long lastRefill;
    private long pausedUntil;
    private int afterPause = -1;
    private int throttledAfterPause;
    private long coolDown = COOL_DOWN_MIN;
    private long skipPausesUntil = Long.MIN_VALUE;
    // cluster mode (guarded by this): what happened since the last sync, and the share it gave
    private final @Nullable FleetShare share;
    private long answeredSince;
    private long throttledSince;
    private long admittedSince;
    private long retryAfterSince;
    private double shareRate = Double.MAX_VALUE;
    private volatile int shareInFlight = Integer.MAX_VALUE;
    private volatile boolean closed;

    public FleetBudget(FleetOptions options, SharedTimer timer, Clock clock) {
        this(options, timer, clock, null);
    }

    /**
     * A local budget; with {@code share} (cluster mode), its rate is at most this instance's share of the API key's
     * budget, and a pause any instance saw pauses it too.
     */
    public FleetBudget(FleetOptions options, SharedTimer timer, Clock clock, @Nullable FleetShare share) {
        this.share = share;
        this.options = options;
        this.timer = timer;
        long now = timer.now();
        this.controller = new RateController(options.maxRate(), options.minRate(), options.increaseStep(),
                options.recoveryDelay().toMillis(), now);
        this.tokens = options.maxRate();
        this.lastRefill = now;
        this.bulkhead = Bulkhead.of("taskpoll-fleet", BulkheadConfig.custom()
                .maxConcurrentCalls(options.maxInFlight())
                .maxWaitDuration(Duration.ZERO)
                .fairCallHandlingStrategyEnabled(false) // asked only under this monitor, in the waiters' order
                .build());
        this.circuit = CircuitBreaker.of("taskpoll-fleet", CircuitBreakerConfig.custom()
                .failureRateThreshold(options.circuitFailureRate())
                .slidingWindow(options.circuitWindow(), options.circuitWindow(),
                        CircuitBreakerConfig.SlidingWindowType.COUNT_BASED,
                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
                .waitDurationInOpenState(options.circuitOpenFor())
                .permittedNumberOfCallsInHalfOpenState(Math.max(1, Math.min(10, options.circuitWindow() / 10)))
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .clock(clock)
                .build());
        if (share != null) {
            timer.schedule(this::sync, timer.now() + share.every().toMillis());
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Cluster mode: reports what happened here, takes this instance's share; again after {@code every}. */
    private void sync() {
        if (closed) {
            return;
        }
        FleetShare.Report report;
        synchronized (this) {
            long waitingAndInFlight = waiters.size() - cancelledQueued + inFlight();
            report = new FleetShare.Report(answeredSince, throttledSince,
                    retryAfterSince > 0 ? Duration.ofMillis(retryAfterSince) : null, waitingAndInFlight + admittedSince);
            answeredSince = 0;
            throttledSince = 0;
            admittedSince = 0;
            retryAfterSince = 0;
        }
        long every = share.every().toMillis();
        share.sync(report).timeout(Duration.ofMillis(every * 5), timer.scheduler()) // the tracker's clock
                .doFinally(sig -> timer.schedule(this::sync, timer.now() + every))
                // the share is applied on the timer thread, as FleetShare promises, not on the store's I/O thread
                .subscribe(s -> timer.schedule(() -> apply(s), timer.now()), e -> {
                    // keep the last share: a shared store that does not answer must not unleash this instance
                });
    }

    private void apply(FleetShare.Share s) {
        long now = timer.now();
        synchronized (this) {
            shareRate = Math.max(0.1, s.rate());
            shareInFlight = s.inFlight();
            long until = now + s.paused().toMillis();
            if (!s.paused().isZero() && until > pausedUntil) {
                pausedUntil = until;
                tokens = Math.min(tokens, 1);
                lastRefill = until;
            }
        }
        drain();
    }

    /**
     * Completes when one request may be sent, holding a rate permit, a place in flight and the circuit's permission;
     * release them with the returned ticket's {@code done(...)}. Requests are admitted in the order they asked; they
     * wait (on the shared timer) while the fleet is paused, the circuit is open, the budget is spent or too many
     * requests are in flight. Cancelling the wait gives nothing up: a cancelled waiter is skipped.
     */
    @Override
    public Mono<Permit> admit() {
        return admission;
    }

    /**
     * Admits waiters from the head of the queue while permits last; arms one wake-up for the rest. Not re-entered on
     * one thread: a grant whose subscriber gives its permit back at once (a poll cancelled meanwhile, a request that
     * failed before it left) drains again from inside this one, and off an event loop that nested once per waiter
     * until the stack overflowed (seen closing 30,000 polls waiting at saturation); the outer call goes round again
     * instead.
     */
    private void drain() {
        DrainState state = drainState.get();
        if (state.draining) {
            state.again = true;
            return;
        }
        state.draining = true;
        try {
            do {
                state.again = false;
                drainOnce();
            } while (state.again);
        } finally {
            state.draining = false;
        }
    }

    private void drainOnce() {
        List<Waiter> admitted = null;
        long wakeUpIn = 0;
        synchronized (this) {
            long now = timer.now();
            while (!waiters.isEmpty()) {
                Waiter head = waiters.peekFirst();
                if (head.get()) { // cancelled
                    waiters.pollFirst();
                    head.queued = false;
                    cancelledQueued--;
                    continue;
                }
                long wait = tryAdmit(now);
                if (wait > 0) {
                    if (!wakeUpArmed && wait != Long.MAX_VALUE) {
                        wakeUpArmed = true;
                        wakeUpIn = wait;
                    }
                    break;
                }
                waiters.pollFirst();
                head.queued = false; // a cancel from here on finds the grant's race, not a queued waiter
                if (admitted == null) {
                    admitted = new ArrayList<>();
                }
                admitted.add(head);
            }
        }
        if (wakeUpIn > 0) {
            timer.schedule(this::wakeUp, timer.now() + wakeUpIn);
        }
        if (admitted != null) {
            long now = timer.now();
            for (Waiter w : admitted) {
                w.grant(new Ticket(now));
            }
        }
    }

    /**
     * Admits the next waiters once the event being handled is over. A request ends inside Reactor Netty's handling
     * of its last bytes, before its connection is back in the pool: a waiter admitted right there would find no
     * free connection and wait in the pool (with an acquire timer of its own) for the one being released. Measured
     * with 256 in flight over 256 connections (benchmarks, scenario B, saturated): 13,000 polls/s at 87 us of CPU
     * each when admitting at once, 25,900/s at 39 us admitting after the event. Netty's {@code ThreadExecutorMap}
     * (public, in its internal package; Netty is pinned by the parent pom) says which event loop, if any, this is.
     * Off an event loop (timers, virtual-time tests), at once.
     */
    private void drainAfterThisEvent() {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (loop != null && !loop.isShuttingDown()) {
            DrainState state = drainState.get();
            if (state.queued) {
                return; // a drain queued on this loop runs after this event and admits for every answer before it
            }
            try {
                state.queued = true;
                loop.execute(() -> {
                    state.queued = false;
                    drain();
                });
                return;
            } catch (RejectedExecutionException e) {
                state.queued = false; // the loop began shutting down in between: admit here
            }
        }
        drain();
    }

    private void wakeUp() {
        synchronized (this) {
            wakeUpArmed = false;
        }
        drain();
    }

    /**
     * Under this monitor: 0 when admitted (permits taken); else how long to wait before asking again, or
     * {@code Long.MAX_VALUE} when only a request ending can free a place (its {@code done} drains the queue).
     */
    private long tryAdmit(long now) {
        long paused = pausedUntil - now;
        if (paused > 0) {
            return paused;
        }
        boolean permitted;
        synchronized (circuit) {
            permitted = circuit.tryAcquirePermission();
        }
        if (!permitted) {
            return Math.max(10, Math.min(1000, options.circuitOpenFor().toMillis() / 10));
        }
        // cluster mode: this instance's part of the key's in-flight limit (a done() or a larger share drains again)
        if (inFlight() >= shareInFlight || !bulkhead.tryAcquirePermission()) {
            releaseCircuit();
            return Long.MAX_VALUE;
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

    /**
     * Under this monitor: 0 when a token was taken, else the ms until one will be there. The bucket holds 1 s, and at
     * least one token: a rate under 1/s (a small share of the key's in cluster mode) sends one request every 1/rate s,
     * where a bucket of one second never held a whole token and nothing was sent.
     */
    private long takeToken(long now) {
        double rate = Math.min(controller.rate(now), shareRate);
        double capacity = Math.max(1, rate);
        if (now > lastRefill) {
            tokens = Math.min(capacity, tokens + (now - lastRefill) * rate / 1000.0);
            lastRefill = now;
        }
        tokens = Math.min(tokens, capacity);
        if (tokens >= 1) {
            tokens -= 1;
            admittedSince++;
            return 0;
        }
        controller.heldBack(now);
        return Math.max(1, (long) Math.ceil((1 - tokens) * 1000.0 / rate));
    }

    /**
     * A 429 with {@code Retry-After} anywhere in the fleet pauses everyone until then, unless recent pauses have
     * shown that waiting does not help (see the class comment).
     */
    @Override
    public void throttled(@Nullable Duration retryAfter) {
        if (retryAfter == null) {
            return;
        }
        long now = timer.now();
        synchronized (this) {
            retryAfterSince = Math.max(retryAfterSince, retryAfter.toMillis());
            if (now < skipPausesUntil) {
                return;
            }
            long until = now + retryAfter.toMillis();
            if (until > pausedUntil) {
                controller.pausedFleet(now, until);
                pausedUntil = until;
                afterPause = 0;
                throttledAfterPause = 0;
                tokens = 1; // resume at the rate, not with a burst of what a paused second would have allowed
                lastRefill = until;
            }
        }
    }

    /** Under this monitor: one answer to a request admitted at {@code admittedAt}. */
    private void answered(long now, long admittedAt, boolean was429) {
        controller.answered(now, was429);
        if (was429) {
            throttledSince++;
        } else {
            answeredSince++;
        }
        if (afterPause < 0 || admittedAt < pausedUntil) {
            return;
        }
        afterPause++;
        if (was429) {
            throttledAfterPause++;
        }
        if (throttledAfterPause >= PAUSE_FAILED) {
            controller.pauseVerdict(false);
            skipPausesUntil = now + coolDown;
            coolDown = Math.min(COOL_DOWN_MAX, coolDown * 2);
            afterPause = -1;
        } else if (afterPause >= PAUSE_VERDICT) {
            if (throttledAfterPause == 0) {
                controller.pauseVerdict(true); // one or two 429s: not conclusive either way
            }
            coolDown = COOL_DOWN_MIN;
            afterPause = -1;
        }
    }

    @Override
    public Stats stats() {
        return new Stats(currentRate(), inFlight(), waiting(), circuitState(), pausedMillis());
    }

    public synchronized int currentRate() {
        return (int) Math.round(Math.min(controller.rate(timer.now()), shareRate));
    }

    public int inFlight() {
        return options.maxInFlight() - bulkhead.getMetrics().getAvailableConcurrentCalls();
    }

    public synchronized int waiting() {
        return waiters.size() - cancelledQueued;
    }

    /** Waiters in the queue, cancelled ones not yet taken out included (tests). */
    synchronized int queueLength() {
        return waiters.size();
    }

    public String circuitState() {
        synchronized (circuit) {
            return circuit.getState().name();
        }
    }

    public synchronized long pausedMillis() {
        return Math.max(0, pausedUntil - timer.now());
    }

    /**
     * One thread's {@link #drain()}: whether it is draining now, whether a nested call asked it to go again, and, on an
     * event loop, whether a drain is queued there already (the answers read in one batch share it: one task and one
     * monitor entry per batch instead of per answer). Static: a thread's value must not hold its budget (nor, through
     * it, its {@code ThreadLocal}), or a closed budget would stay reachable from every long-lived thread that drained.
     */
    private static final class DrainState {
        boolean draining;
        boolean again;
        boolean queued;
    }

    /**
     * {@link #admit()}'s one {@code Mono}: each subscriber is queued as a {@link Waiter} when it requests, and the
     * waiter is its subscription. At saturation thousands of polls wait here at once, for up to a period each: one
     * small object per waiting poll (a {@code Mono.create} sink with its cancel hook took four) keeps what outlives
     * young collections small.
     */
    private final class WaitInLine extends Mono<Permit> {
        @Override
        public void subscribe(CoreSubscriber<? super Permit> actual) {
            actual.onSubscribe(new Waiter(actual));
        }
    }

    /**
     * One subscriber of {@link #admit()}: queued on its first request, granted or cancelled once, whichever comes
     * first (the flag is set by both, under compare-and-set), so a permit granted in a race with a cancel is given
     * back here and a cancelled waiter left in the queue is skipped by {@link #drain()}.
     */
    private final class Waiter extends AtomicBoolean implements Subscription {
        private final CoreSubscriber<? super Permit> actual;
        private boolean queued;

        Waiter(CoreSubscriber<? super Permit> actual) {
            this.actual = actual;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                if (compareAndSet(false, true)) {
                    actual.onError(Exceptions.nullOrNegativeRequestException(n));
                }
                return;
            }
            synchronized (FleetBudget.this) {
                if (queued || get()) {
                    return;
                }
                queued = true;
                waiters.addLast(this);
            }
            drain();
        }

        /**
         * Marks the waiter cancelled: not counted as waiting (nor in cluster mode's demand) from now on; left in the
         * queue for the drain to skip, or taken out with the others when the cancelled are over half a long queue (a
         * pause or an open circuit during which many deadlines pass), so that their polls are not kept meanwhile.
         */
        @Override
        public void cancel() {
            if (!compareAndSet(false, true)) {
                return;
            }
            synchronized (FleetBudget.this) {
                if (queued) {
                    cancelledQueued++;
                    if (cancelledQueued > 64 && cancelledQueued > waiters.size() / 2) {
                        waiters.removeIf(AtomicBoolean::get);
                        cancelledQueued = 0;
                    }
                }
            }
        }

        /** Taken from the queue, out of the monitor: delivers the ticket, or gives it back if cancelled first. */
        void grant(Ticket ticket) {
            if (!compareAndSet(false, true)) {
                ticket.done(Outcome.CANCELLED);
                return;
            }
            actual.onNext(ticket);
            actual.onComplete();
        }
    }

    /** The permits one admitted request holds; released exactly once. */
    final class Ticket implements Permit {
        private final long admittedAt;
        private final AtomicBoolean done = new AtomicBoolean();

        Ticket(long admittedAt) {
            this.admittedAt = admittedAt;
        }

        @Override
        public void done(Outcome outcome) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            bulkhead.onComplete();
            long now = timer.now();
            long elapsed = Math.max(0, now - admittedAt);
            synchronized (circuit) {
                if (outcome == Outcome.CANCELLED) {
                    circuit.releasePermission();
                } else if (outcome == Outcome.FAILED) {
                    circuit.onError(elapsed, TimeUnit.MILLISECONDS, FAILED);
                } else {
                    circuit.onSuccess(elapsed, TimeUnit.MILLISECONDS); // 2xx, 429 or a 4xx: it is up
                }
            }
            if (outcome != Outcome.CANCELLED) {
                synchronized (FleetBudget.this) {
                    answered(now, admittedAt, outcome == Outcome.THROTTLED);
                }
            }
            drainAfterThisEvent();
        }
    }
}
