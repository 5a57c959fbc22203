package dev.taskpoll.internal;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.RetriesExhaustedException;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTimeoutException;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.spi.StatusSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.retry.Retry;

/**
 * The poll loop of one task. Polls are due on a fixed grid ({@code start + initialDelay + phase + k * period}, the
 * phase drawn once per task to spread tasks started together) and fired by
 * the tracker's {@link SharedTimer}; each poll is one {@link StatusSource#fetch} with {@code retryWhen} for 429s and
 * transient failures (delays decided by {@link RetryDecider}, waited on the same timer). At most one request is in
 * flight: the next poll is scheduled only when the previous one has finished, at the next grid point after that.
 *
 * <p>Ends exactly once, by whichever comes first: a terminal status (emitted, then complete), a permanent failure or
 * exhausted retries (error), the deadline (error), or cancellation. {@link #finish()} is the single gate.
 *
 * <p>The loop is its task's {@link StatusHub} and the shared timer's task for its polls ({@link #run()}), so that a
 * tracked task is one object rather than four (a loop, a hub and two callbacks).
 */
final class PollLoop extends StatusHub implements Runnable {

    private static final Logger log = Loggers.getLogger(PollLoop.class);

    private final Engine engine;
    private final PollPolicy policy;
    private final StatusSource source;
    /** The next poll: one timer entry for the task's whole life, moved on each poll rather than made anew. */
    private final SharedTimer.Rearmable pollTimer;
    // ints with updaters rather than two AtomicBooleans: 32 bytes less for every tracked task
    private static final AtomicIntegerFieldUpdater<PollLoop> DONE =
            AtomicIntegerFieldUpdater.newUpdater(PollLoop.class, "done");
    private static final AtomicIntegerFieldUpdater<PollLoop> POLLING =
            AtomicIntegerFieldUpdater.newUpdater(PollLoop.class, "polling");
    private volatile int done;

    // Written by one poll at a time; each poll happens-after the previous one through the timer's lock.
    private long nextDue;
    private int throttledInRow;
    private int transientInRow;
    private volatile @Nullable TaskStatus last;
    private volatile @Nullable Disposable inflight;
    private volatile @Nullable Disposable deadlineHandle;
    private volatile int polling;
    private volatile boolean confirm;
    private volatile long lastHintAt = Long.MIN_VALUE / 2;
    private final Engine.Key key;
    private volatile boolean started;

    PollLoop(Engine engine, Engine.Key key, PollPolicy policy, StatusSource source) {
        this.engine = engine;
        this.key = key;
        this.policy = policy;
        this.source = source;
        this.pollTimer = engine.timer().rearmable(this);
    }

    /** The shared timer says the next poll is due. */
    @Override
    public void run() {
        poll();
    }

    @Override
    void lastSubscriberLeft() {
        finish();
    }

    boolean started() {
        return started;
    }

    void start() {
        synchronized (this) {
            if (done != 0) {
                return; // every subscriber left before it began
            }
            started = true;
            engine.loopStarted();
        }
        long now = engine.timer().now();
        deadlineHandle = engine.timer().schedule(this::onDeadline, now + policy.deadline().toMillis());
        if (done != 0) {
            dispose(deadlineHandle); // ended while starting
        }
        long phase = (long) (engine.options().phaseSpread() * policy.period().toMillis()
                * engine.options().random().getAsDouble());
        nextDue = now + policy.initialDelay().toMillis() + phase;
        scheduleAt(nextDue);
    }

    private void scheduleAt(long due) {
        pollTimer.scheduleAt(due);
        if (done != 0) {
            pollTimer.dispose();
        }
    }

    private void poll() {
        if (done != 0 || !POLLING.compareAndSet(this, 0, 1)) {
            return; // ended, or a poll is in flight already (a callback asked for one)
        }
        PollSubscriber s = new PollSubscriber();
        inflight = s;
        if (done != 0) {
            s.dispose();
            return;
        }
        engine.pollSent();
        attempt()
                .switchIfEmpty(Mono.error(() -> new MalformedResponseException(key.id(),
                        "status source gave no status")))
                // built per poll rather than kept per loop: idle tasks are many, polls in flight few
                .retryWhen(Retry.from(signals -> signals.concatMap(r -> retryDelay(r.failure()))))
                .subscribe(s);
    }

    /** One request, admitted by the fleet's budget when there is one (every retry is admitted again). */
    private Mono<TaskStatus> attempt() {
        FleetBudget fleet = engine.fleet();
        if (fleet == null) {
            return source.fetch(key.id());
        }
        return fleet.admit().flatMap(ticket -> source.fetch(key.id())
                .doOnSuccess(s -> ticket.done(null, false))
                .doOnError(e -> ticket.done(e, false))
                .doOnCancel(() -> ticket.done(null, true)));
    }

    private Publisher<?> retryDelay(Throwable failure) {
        RetryDecider decider = engine.decider();
        double random = engine.options().random().getAsDouble();
        Duration delay;
        switch (RetryDecider.classify(failure)) {
            case THROTTLED:
                throttledInRow++;
                RetryDecider.ThrottleDelay wait = decider.throttleDelay(((ApiStatusException) failure).retryAfter(),
                        throttledInRow, engine.options().clock().instant(), random);
                delay = wait.delay();
                engine.throttled();
                FleetBudget fleet = engine.fleet();
                if (fleet != null) {
                    fleet.throttled(engine.timer().now(), wait.serverAsked() ? delay : null);
                }
                break;
            case TRANSIENT:
                transientInRow++;
                if (decider.exhausted(transientInRow)) {
                    return Mono.error(new RetriesExhaustedException(key.id(), transientInRow, last, failure));
                }
                delay = decider.transientDelay(transientInRow, random);
                break;
            default:
                return Mono.error(failure);
        }
        if (log.isDebugEnabled()) {
            log.debug("task '{}': {}; next attempt in {}", key.id(), failure.getMessage(), delay);
        }
        engine.pollSent();
        engine.retried();
        return engine.timer().delay(delay.toMillis());
    }

    /**
     * A status pushed by the provider (a callback): a hint, not the truth. A terminal one is confirmed by a poll at
     * once, and only the poll's answer is emitted. Another one is emitted only if it moves the task forward (queued to
     * processing), never backwards or twice. While hints come, polls slow to the watchdog period.
     */
    void hint(TaskStatus status) {
        if (done != 0) {
            return;
        }
        lastHintAt = engine.timer().now();
        if (status.isTerminal()) {
            confirm = true;
            if (polling == 0) {
                pollTimer.dispose();
                poll();
            }
            return;
        }
        synchronized (this) {
            TaskStatus previous = last;
            if (done != 0 || Engine.rank(status) <= (previous == null ? -1 : Engine.rank(previous))
                    || !status.differsFrom(previous)) {
                return;
            }
            last = status;
            next(status);
        }
    }

    private void onStatus(TaskStatus status) {
        if (done != 0) {
            return;
        }
        throttledInRow = 0;
        transientInRow = 0;
        inflight = null; // before polling = 0, which lets the next poll set it: the finished subscriber dies young
        polling = 0;
        if (status.isTerminal()) {
            last = status;
            if (finish()) {
                next(status);
                complete();
            }
            return;
        }
        synchronized (this) {
            TaskStatus previous = last;
            // a poll never goes back behind a state a callback already reported
            if (status.differsFrom(previous) && (previous == null || Engine.rank(status) >= Engine.rank(previous)
                    || status.state() == TaskState.UNKNOWN)) {
                last = status;
                if (status.state() == TaskState.UNKNOWN) {
                    log.warn("task '{}': unknown status '{}'; polling goes on", key.id(), status.rawStatus());
                }
                next(status);
            }
        }
        long now = engine.timer().now();
        boolean confirming = confirm;
        confirm = false; // a callback said terminal but this poll did not (yet): ask again at the normal cadence
        long period = !confirming && now - lastHintAt < engine.options().callbackWatchdog().toMillis()
                ? Math.max(policy.period().toMillis(), engine.options().callbackWatchdog().toMillis())
                : policy.period().toMillis();
        long due = nextDue + period;
        if (due <= now) {
            due += ((now - due) / period + 1) * period;
        }
        nextDue = due;
        scheduleAt(due);
    }

    private void onFailure(Throwable failure) {
        if (finish()) {
            TaskStatus seen = last;
            error(failure instanceof TaskpollException e ? e.withLastStatus(seen) : failure);
        }
    }

    private void onDeadline() {
        if (finish()) {
            error(new TaskTimeoutException(key.id(), policy.deadline(), last));
        }
    }

    /** The single gate to the end: true for the one caller that ends the loop; stops every timer and request. */
    private boolean finish() {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return false;
        }
        dispose(deadlineHandle);
        pollTimer.dispose();
        dispose(inflight);
        boolean wasStarted;
        synchronized (this) {
            wasStarted = started;
        }
        if (wasStarted) {
            engine.loopEnded();
        }
        engine.forget(key, this);
        return true;
    }

    private static void dispose(@Nullable Disposable d) {
        if (d != null) {
            d.dispose();
        }
    }

    private final class PollSubscriber extends BaseSubscriber<TaskStatus> {
        @Override
        protected void hookOnNext(TaskStatus value) {
            onStatus(value);
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            onFailure(throwable);
        }
    }
}
