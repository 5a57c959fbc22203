package dev.taskpoll.internal.engine;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.RetriesExhaustedException;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTimeoutException;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.PollBudget;
import dev.taskpoll.spi.StatusSource;
import dev.taskpoll.spi.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.retry.Retry;

/**
 * The poll loop of one task. Polls are due when the engine's {@link Cadence} says (the fixed grid by default) and
 * fired by the tracker's {@link SharedTimer}; each poll is one {@link StatusSource#fetch} with {@code retryWhen} for
 * 429s and transient failures (delays decided by {@link RetryDecider}, waited on the same timer), admitted by the
 * engine's {@link PollBudget}. At most one request is in flight: the next poll is planned only when the previous one
 * has finished.
 *
 * <p>One timer entry serves both the next poll and the deadline: while the task waits, it is armed at whichever comes
 * first; while a poll is in flight (retries included), at the deadline. When it fires past the deadline, the task
 * fails; otherwise it polls.
 *
 * <p>Ends exactly once, by whichever comes first: a terminal status (emitted, then complete), a permanent failure or
 * exhausted retries (error), the deadline (error), or cancellation. {@link #finish()} is the single gate.
 *
 * <p>The loop is its task's {@link StatusHub}, the shared timer's task for its polls ({@link #run()}) and the
 * cadence's view of the task ({@link Cadence.Task}), so that a tracked task is one object and one timer entry.
 */
final class PollLoop extends StatusHub implements Runnable, Cadence.Task {

    private static final Logger log = Loggers.getLogger(PollLoop.class);

    private final Engine engine;
    private final Engine.Key key;
    private final TaskKind kind;
    private final @Nullable String model;
    private final PollPolicy policy;
    private final ModelCounters counters;
    /** The next poll or the deadline: one timer entry for the task's whole life, moved rather than made anew. */
    private final SharedTimer.Rearmable timerEntry;
    // ints with updaters rather than two AtomicBooleans: 32 bytes less for every tracked task
    private static final AtomicIntegerFieldUpdater<PollLoop> DONE =
            AtomicIntegerFieldUpdater.newUpdater(PollLoop.class, "done");
    private static final AtomicIntegerFieldUpdater<PollLoop> POLLING =
            AtomicIntegerFieldUpdater.newUpdater(PollLoop.class, "polling");
    private volatile int done;
    private volatile int polling;

    // Written by one poll at a time; each poll happens-after the previous one through the timer's lock.
    private long nextDue = Long.MIN_VALUE;
    private long startedAt;
    private volatile long deadlineAt = Long.MAX_VALUE;
    private int polls;
    private short throttledInRow;
    private short transientInRow;
    private volatile @Nullable TaskStatus last;
    private volatile @Nullable Disposable inflight;
    private volatile boolean confirm;
    private volatile boolean started;
    private volatile long lastHintAt = Long.MIN_VALUE / 2;

    PollLoop(Engine engine, Engine.Key key, TaskRef ref, PollPolicy policy) {
        this.engine = engine;
        this.key = key;
        this.kind = ref.kind();
        this.model = ref.model();
        this.policy = policy;
        this.counters = engine.counters(kind, model);
        this.timerEntry = engine.timer().rearmable(this);
    }

    // ---- Cadence.Task: the cadence's view, valid during its calls

    @Override
    public TaskKind kind() {
        return kind;
    }

    @Override
    public @Nullable String model() {
        return model;
    }

    @Override
    public PollPolicy policy() {
        return policy;
    }

    @Override
    public long startedAt() {
        return startedAt;
    }

    @Override
    public long lastDue() {
        return nextDue;
    }

    @Override
    public int polls() {
        return polls;
    }

    @Override
    public @Nullable TaskStatus last() {
        return last;
    }

    // ---- life

    /** The shared timer says the next poll, or the deadline, is due. */
    @Override
    public void run() {
        if (done != 0) {
            return;
        }
        if (engine.timer().now() >= deadlineAt) {
            onDeadline();
        } else if (polling == 0) {
            poll();
        } else {
            timerEntry.scheduleAt(deadlineAt); // a poll is in flight (a hint asked for it): keep the deadline armed
        }
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
        counters.started();
        long now = engine.timer().now();
        startedAt = now;
        deadlineAt = now + policy.deadline().toMillis();
        nextDue = engine.cadence().firstPoll(this, now);
        TaskStore store = engine.store();
        if (!store.durable()) {
            arm();
            return;
        }
        // the record first, then the timer: a poll never runs for a task the store does not hold
        store.started(new TaskStore.Tracked(ref(), Instant.ofEpochMilli(startedAt), Instant.ofEpochMilli(deadlineAt),
                        nextDue, null))
                .subscribe(held -> {
                    startedAt = held.startedAt().toEpochMilli(); // a task the store already held keeps its start,
                    deadlineAt = held.deadline().toEpochMilli(); // deadline and grid
                    if (held.firstDue() != Long.MIN_VALUE && held.firstDue() != nextDue) {
                        nextDue = held.firstDue(); // the grid it had: the cadence goes on from there
                        nextDue = engine.cadence().firstPoll(this, engine.timer().now());
                    }
                    arm();
                }, this::onStoreFailure);
    }

    /** This task as the store knows it. */
    private TaskRef ref() {
        return new TaskRef(key.id(), kind, model, policy);
    }

    /**
     * Emits {@code then} once {@code write} is durable; without a durable store, at once. A write the store refused
     * ends the task with the store's error: nothing is emitted that could not be recorded.
     */
    private void recorded(Supplier<Mono<Void>> write, Runnable then) {
        if (!engine.store().durable()) {
            then.run();
            return;
        }
        write.get().subscribe(null, e -> {
            if (done == 0) {
                onStoreFailure(e);
            } else { // the end itself could not be recorded: signalled all the same, resumed at the next start
                log.warn("task '{}': the task store refused its end ({})", key.id(), e.toString());
                then.run();
            }
        }, then);
    }

    private void onStoreFailure(Throwable e) {
        if (finish()) {
            counters.errored();
            log.warn("task '{}': the task store refused a write; tracking stops here ({})", key.id(), e.toString());
            error(e);
        }
    }

    /** Arms the one timer entry at the next poll or the deadline, whichever is first. */
    private void arm() {
        timerEntry.scheduleAt(Math.min(nextDue, deadlineAt));
        if (done != 0) {
            timerEntry.dispose(); // ended meanwhile: finish() may have disposed it before this armed it
        }
    }

    private void poll() {
        if (done != 0 || !POLLING.compareAndSet(this, 0, 1)) {
            return; // ended, or a poll is in flight already (a callback asked for one)
        }
        PollSubscriber s = new PollSubscriber();
        inflight = s;
        timerEntry.scheduleAt(deadlineAt); // the deadline holds while the request and its retries run
        if (done != 0) {
            s.dispose();
            timerEntry.dispose();
            return;
        }
        engine.pollSent();
        counters.polled();
        attempt()
                .switchIfEmpty(Mono.error(() -> new MalformedResponseException(key.id(),
                        "status source gave no status")))
                // built per poll rather than kept per loop: idle tasks are many, polls in flight few
                .retryWhen(Retry.from(signals -> signals.concatMap(r -> retryDelay(r.failure()))))
                .subscribe(s);
    }

    /** One request, admitted by the engine's budget unless it has none (every retry is admitted again). */
    private Mono<TaskStatus> attempt() {
        StatusSource source = engine.source(key.dialect());
        if (!engine.budgeted()) {
            return source.fetch(key.id());
        }
        return engine.budget().admit().flatMap(permit -> source.fetch(key.id())
                .doOnSuccess(s -> permit.done(PollBudget.Outcome.ANSWERED))
                .doOnError(e -> permit.done(RetryDecider.outcome(e)))
                .doOnCancel(() -> permit.done(PollBudget.Outcome.CANCELLED)));
    }

    private Publisher<?> retryDelay(Throwable failure) {
        RetryDecider decider = engine.decider();
        double random = engine.options().random().getAsDouble();
        Duration delay;
        switch (RetryDecider.classify(failure)) {
            case THROTTLED:
                throttledInRow = (short) Math.min(Short.MAX_VALUE, throttledInRow + 1);
                RetryDecider.ThrottleDelay wait = decider.throttleDelay(((ApiStatusException) failure).retryAfter(),
                        throttledInRow, engine.options().clock().instant(), random);
                delay = wait.delay();
                engine.throttled();
                if (engine.budgeted()) {
                    engine.budget().throttled(wait.serverAsked() ? delay : null);
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
            recorded(() -> engine.store().status(ref(), status), () -> next(status));
        }
    }

    private void onStatus(TaskStatus answered) {
        if (done != 0) {
            return;
        }
        TaskStatus status = answered.model() == null && model != null ? answered.withModel(model) : answered;
        throttledInRow = 0;
        transientInRow = 0;
        polls++;
        inflight = null; // before polling = 0, which lets the next poll set it: the finished subscriber dies young
        polling = 0;
        long now = engine.timer().now();
        if (status.isTerminal()) {
            last = status;
            if (finish()) {
                counters.ended(status.state());
                engine.cadence().ended(this, status, now);
                TaskStatus terminal = status;
                recorded(() -> engine.store().status(ref(), terminal).then(engine.store().ended(ref(),
                        new TaskStore.Ending(terminal, null, Instant.ofEpochMilli(deadlineAt),
                                terminal.observedAt()))), () -> {
                    next(terminal);
                    complete();
                });
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
                TaskStatus changed = status;
                recorded(() -> engine.store().status(ref(), changed), () -> next(changed));
            }
        }
        boolean confirming = confirm;
        confirm = false; // a callback said terminal but this poll did not (yet): ask again at the normal cadence
        long watchdog = engine.options().callbackWatchdog().toMillis();
        if (!confirming && now - lastHintAt < watchdog) {
            // callbacks are arriving: poll only as a watchdog, on a grid of the larger step
            long step = Math.max(policy.period().toMillis(), watchdog);
            long due = nextDue + step;
            if (due <= now) {
                due += ((now - due) / step + 1) * step;
            }
            nextDue = due;
        } else {
            nextDue = engine.cadence().nextPoll(this, now);
        }
        arm();
    }

    private void onFailure(Throwable failure) {
        if (finish()) {
            TaskStatus seen = last;
            ended(failure instanceof TaskpollException e ? e.withLastStatus(seen) : failure);
        }
    }

    private void onDeadline() {
        if (finish()) {
            ended(new TaskTimeoutException(key.id(), policy.deadline(), last));
        }
    }

    /** Tracking ended with an error: recorded as the task's end, then signalled. */
    private void ended(Throwable failure) {
        counters.errored();
        recorded(() -> engine.store().ended(ref(), new TaskStore.Ending(null,
                failure.getClass().getSimpleName() + ": " + failure.getMessage(), Instant.ofEpochMilli(deadlineAt),
                engine.options().clock().instant())), () -> error(failure));
    }

    /** The single gate to the end: true for the one caller that ends the loop; stops the timer and the request. */
    private boolean finish() {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return false;
        }
        timerEntry.dispose();
        Disposable request = inflight;
        if (request != null) {
            request.dispose();
        }
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
