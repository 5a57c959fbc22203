package dev.taskpoll.internal.engine;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.PollRetrying;
import dev.taskpoll.RetriesExhaustedException;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.spi.PollBudget;
import dev.taskpoll.spi.StatusSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.retry.Retry;

/**
 * One poll of a task, while it is in flight: its wait for the engine's {@link PollBudget}, its request to the
 * {@link StatusSource}, and the retries of that request (429s and transient failures, delays decided by
 * {@link RetryDecider} and waited on the shared timer). One object per poll in flight, made by {@link PollLoop} and
 * dropped with the poll: what only a poll needs (when it was sent, its permit, its failures in a row) costs an idle
 * task nothing.
 *
 * <p>Call order: {@link PollLoop} makes it, makes it the loop's poll in flight, then calls {@link #start()} once. The
 * poll ends by handing the loop a status ({@code onStatus}) or a failure ({@code onFailure}, retries exhausted or a
 * permanent error), or by being disposed (the task ended, or its lease was lost): a disposed poll gives back the permit
 * it holds, and its chain is cancelled (an answer already on its way is dropped here: the loop may have a new poll in
 * flight by then). Each poll counts its own failures in a row: a poll dropped with its lease leaves none to the next.
 *
 * <p>The poll is itself the subscriber of its requests: of its first request as the source gives it (no operator in
 * between: an empty answer and a failure are told apart here), then, if that one failed, of the chain of its retries.
 * Its subscription is swapped from the first to the second; a dispose cancels whichever is current, and one that
 * comes in after a dispose is cancelled at once.
 */
final class Poll implements CoreSubscriber<TaskStatus>, Disposable {

    private static final Logger log = Loggers.getLogger(Poll.class);
    private static final AtomicReferenceFieldUpdater<Poll, Subscription> UPSTREAM =
            AtomicReferenceFieldUpdater.newUpdater(Poll.class, Subscription.class, "upstream");
    /** {@link #upstream} once the poll is disposed or has ended (its own: no source hands it to a subscriber). */
    private static final Subscription ENDED = new Subscription() {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    };

    private final PollLoop loop;
    private final Engine engine;
    /** When the poll's first request was sent. */
    private final long sentAt;
    /** The wait for the first permit, while there is one; cancelled with this poll. */
    private volatile @Nullable Admission admission;
    /**
     * The first permit, granted before the first request was sent; given back (its outcome told) by that request's
     * answer, failure or cancel, whichever comes first.
     */
    private volatile @Nullable HeldPermit first;
    // written by the poll's retries, one at a time
    private short throttledInRow;
    private short transientInRow;
    /** The last request that failed transiently: named if the task's deadline passes while the requests fail. */
    private volatile @Nullable Throwable lastFailure;
    /**
     * The current request's subscription (the first's, then the retries' chain's); {@link #ENDED} once the poll is
     * answered, has failed for good or is disposed.
     */
    private volatile @Nullable Subscription upstream;
    /** The first request failed (or answered nothing): the retries' chain is, or is about to be, subscribed. */
    private boolean retrying; // (written by the poll's signals, one at a time)

    Poll(PollLoop loop, Engine engine) {
        this.loop = loop;
        this.engine = engine;
        this.sentAt = engine.timer().now();
    }

    /** The last request of this poll that failed transiently, if any. */
    @Nullable Throwable lastFailure() {
        return lastFailure;
    }

    /**
     * Sends the poll: at once without a budget (or when the store may not send it now: it waits without a permit, see
     * {@link #attempt()}), else once the budget grants its first permit.
     */
    void start() {
        if (!engine.budgeted() || !loop.mayPoll()) {
            send();
            return;
        }
        // the first admission is awaited by a small subscriber, and the request's chain (retries, the fetch) is built
        // once it is granted: at saturation thousands of polls wait for the budget for up to a period, and a whole
        // chain per waiting poll (about 1 KB) outlived young collections and was promoted, GC's CPU rivalling the
        // polls' own (benchmarks B, saturated)
        Admission a = new Admission();
        admission = a;
        engine.budget().admit().subscribe(a);
    }

    /** Subscribes this poll to its first request (its first permit, if any, in {@link #first}). */
    private void send() {
        // the first request goes without a retry operator, and a failure enters one (onError): most polls are answered
        // at once, and a retryWhen built per poll (its companion sink and three subscribers) was most of a poll's
        // chain; so were the operators that turned an empty answer into a failure and a failure into the retries, and
        // those that gave the first permit back (this poll's signals do: see release)
        Mono<TaskStatus> request;
        try {
            if (upstream == ENDED) { // disposed as its permit came: nothing is asked of the source
                release(PollBudget.Outcome.CANCELLED);
                return;
            }
            HeldPermit granted = first;
            if (granted == null) { // no budget, or the store may not send it now
                request = attempt();
            } else if (!loop.mayPoll()) { // asked after the wait for the budget: a wait may outlast the lease
                release(PollBudget.Outcome.CANCELLED);
                request = Mono.error(NotHeldNow.INSTANCE);
            } else {
                request = engine.source(loop.key().dialect()).fetch(loop.id());
            }
        } catch (Throwable t) { // a source (or store) that throws instead of failing its Mono: the same, for the poll
            Exceptions.throwIfJvmFatal(t);
            release(PollBudget.Outcome.CANCELLED);
            request = Mono.error(t);
        }
        request.subscribe(this);
    }

    /** Gives the first permit back, if this poll still holds it, with the first request's outcome. */
    private void release(PollBudget.Outcome outcome) {
        HeldPermit granted = first;
        if (granted != null) {
            first = null;
            granted.done(outcome);
        }
    }

    /**
     * The poll's requests after its first failed and its delay passed: retried as {@link #retryDelay} decides. Built
     * per failing poll: idle tasks are many, failing polls few.
     */
    private Mono<TaskStatus> retried() {
        // deferred: each retry asks the store again whether it may be sent (attempt's check runs as it is built)
        return Mono.defer(this::request).retryWhen(Retry.from(signals -> signals.concatMap(r -> retryDelay(
                r.failure()))));
    }

    /** One retry of the poll, failing when the source answers nothing (as {@link #onComplete} does for the first). */
    private Mono<TaskStatus> request() {
        return attempt().switchIfEmpty(Mono.error(() -> new MalformedResponseException(loop.id(),
                "status source gave no status")));
    }

    /**
     * One request without a permit in hand (a retry, or a first request with no budget or not sendable now), admitted
     * by the engine's budget unless it has none.
     */
    private Mono<TaskStatus> attempt() {
        StatusSource source = engine.source(loop.key().dialect());
        if (!engine.budgeted()) {
            return loop.mayPoll() ? source.fetch(loop.id()) : Mono.error(NotHeldNow.INSTANCE);
        }
        // a request the store may not send now spends no permit (a permit given back unused keeps its token)
        return Mono.defer(() -> loop.mayPoll() ? engine.budget().admit()
                : Mono.<PollBudget.Permit>error(NotHeldNow.INSTANCE)).flatMap(permit -> {
            Mono<TaskStatus> fetched;
            try {
                if (!loop.mayPoll()) { // asked after the wait for the budget: a wait may outlast the lease
                    permit.done(PollBudget.Outcome.CANCELLED);
                    return Mono.error(NotHeldNow.INSTANCE);
                }
                fetched = source.fetch(loop.id());
            } catch (RuntimeException e) { // a source (or a store) that throws instead of failing its Mono: the
                permit.done(PollBudget.Outcome.CANCELLED); // permit goes back, as on the first request's path
                return Mono.error(e);
            }
            return fetched
                .doOnSuccess(s -> permit.done(PollBudget.Outcome.ANSWERED))
                .doOnError(e -> permit.done(RetryDecider.outcome(e)))
                .doOnCancel(() -> permit.done(PollBudget.Outcome.CANCELLED));
        });
    }

    /** What to wait before the next attempt after {@code failure}: a delay, or the failure that ends the poll. */
    private Publisher<?> retryDelay(Throwable failure) {
        if (failure == NotHeldNow.INSTANCE) {
            return loop.stillHeld() ? engine.timer().delay(PollLoop.UNHELD_RECHECK_MS)
                    : Mono.never(); // (never: cancelled by now)
        }
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
                    return Mono.error(new RetriesExhaustedException(loop.id(), transientInRow, loop.last(), failure));
                }
                delay = decider.transientDelay(transientInRow, random);
                if (failure instanceof ApiStatusException a && a.retryAfter() != null) {
                    // a 503 saying when to come back (maintenance): not sooner than that, within the floor and ceiling
                    RetryDecider.ThrottleDelay asked = decider.throttleDelay(a.retryAfter(), transientInRow,
                            engine.options().clock().instant(), random);
                    if (asked.serverAsked() && asked.delay().compareTo(delay) > 0) {
                        delay = asked.delay();
                    }
                }
                lastFailure = failure;
                if (failure instanceof TaskpollException e) {
                    engine.published(new PollRetrying(loop.id(), e, transientInRow, delay));
                }
                break;
            default:
                return Mono.error(failure);
        }
        if (log.isDebugEnabled()) {
            log.debug("task '{}': {}; next attempt in {}", loop.id(), failure.getMessage(), delay);
        }
        engine.pollSent();
        engine.retried();
        return engine.timer().delay(delay.toMillis());
    }

    @Override
    public void onSubscribe(Subscription s) {
        for (;;) { // the first request's subscription, then the retries' chain's (the first has ended by then)
            Subscription current = upstream;
            if (current == ENDED) {
                s.cancel(); // disposed meanwhile
                return;
            }
            if (UPSTREAM.compareAndSet(this, current, s)) {
                s.request(Long.MAX_VALUE);
                return;
            }
        }
    }

    @Override
    public void onNext(TaskStatus value) {
        release(PollBudget.Outcome.ANSWERED);
        Subscription s = UPSTREAM.getAndSet(this, ENDED); // answered: a dispose from here on has nothing to cancel
        if (s == ENDED) {
            // an answer that raced the poll's dispose: dropped, as PollLoop.dropPoll promises (the loop may have a new
            // poll in flight by now, whose place this answer must not free)
            return;
        }
        try {
            loop.counters().answeredIn(engine.timer().now() - sentAt);
            loop.onStatus(value);
        } catch (Throwable t) { // (as a subscriber would: the request is cancelled and the poll fails with it)
            if (s != null) {
                s.cancel();
            }
            loop.onFailure(Operators.onOperatorError(t, currentContext()));
        }
    }

    @Override
    public void onError(Throwable failure) {
        release(RetryDecider.outcome(failure));
        if (retrying) {
            end(failure);
            return;
        }
        retrying = true;
        if (upstream == ENDED) { // failed as the poll was disposed: nothing to retry, no one to tell
            return;
        }
        Publisher<?> delay; // the first request failed: its retries, after the delay the failure calls for
        try {
            delay = retryDelay(failure);
        } catch (Throwable t) { // (a budget or event listener that threw): the poll ends with it
            Exceptions.throwIfJvmFatal(t);
            end(t);
            return;
        }
        Mono.from(delay).then(Mono.defer(this::retried)).subscribe(this);
    }

    @Override
    public void onComplete() {
        release(PollBudget.Outcome.ANSWERED); // (answered with nothing: the API is up)
        if (upstream != ENDED) { // not answered (nor disposed): the source answered nothing, a failure retried as one
            onError(new MalformedResponseException(loop.id(), "status source gave no status"));
        }
    }

    /** The poll ends with {@code failure}: the loop is told, unless the poll was disposed first. */
    private void end(Throwable failure) {
        if (UPSTREAM.getAndSet(this, ENDED) == ENDED) {
            Operators.onErrorDropped(failure, currentContext()); // disposed concurrently
            return;
        }
        loop.onFailure(failure);
    }

    /** Cancels the poll: its request or its wait for a permit, giving back a permit it holds. Idempotent. */
    @Override
    public void dispose() {
        Subscription s = UPSTREAM.getAndSet(this, ENDED);
        if (s == ENDED) {
            return;
        }
        if (s != null) {
            s.cancel();
        }
        Admission a = admission;
        if (a != null) {
            a.cancel();
        }
        release(PollBudget.Outcome.CANCELLED); // the first request's permit, while its answer has not come
    }

    @Override
    public boolean isDisposed() {
        return upstream == ENDED;
    }

    /**
     * A request not sent: the store may not poll the task now (cluster mode: its lease may have run out while this
     * process was paused). The poll waits {@value PollLoop#UNHELD_RECHECK_MS} ms and asks again, or is cancelled by
     * the task's release. Not a failure: it counts no retry and reaches no one.
     */
    private static final class NotHeldNow extends RuntimeException {
        static final NotHeldNow INSTANCE = new NotHeldNow();

        private NotHeldNow() {
            super("the task's lease may have run out here", null, false, false);
        }
    }

    /** A granted permit given back at most once, whichever of its holders (the fetch, a cancel) ends it first. */
    private static final class HeldPermit extends java.util.concurrent.atomic.AtomicBoolean
            implements PollBudget.Permit {
        private final PollBudget.Permit permit;

        HeldPermit(PollBudget.Permit permit) {
            this.permit = permit;
        }

        @Override
        public void done(PollBudget.Outcome outcome) {
            if (compareAndSet(false, true)) {
                permit.done(outcome);
            }
        }
    }

    /**
     * Waits for the poll's first permit; once granted, builds the poll's chain with it. Cancelled with the poll (the
     * task ended): the wait is given up, and a permit granted in the race is given back.
     */
    private final class Admission implements CoreSubscriber<PollBudget.Permit> {
        private volatile @Nullable Subscription upstream;
        private volatile boolean cancelled;
        private boolean granted;

        @Override
        public void onSubscribe(Subscription subscription) {
            upstream = subscription;
            if (cancelled) {
                subscription.cancel();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onNext(PollBudget.Permit permit) {
            granted = true;
            HeldPermit held = new HeldPermit(permit);
            first = held;
            // the poll is disposed before its cancel marks this one: a poll cancelled before the permit was there for
            // its cancel to give back gives it back here
            if (isDisposed()) {
                held.done(PollBudget.Outcome.CANCELLED);
                return;
            }
            send(); // a cancel from here on gives the permit back (the chain's, or the poll's own)
        }

        @Override
        public void onError(Throwable failure) {
            if (!cancelled) {
                end(failure); // the budget failed (it does not, locally): the poll ends with it
            }
        }

        @Override
        public void onComplete() {
            if (!granted && !cancelled) {
                end(new IllegalStateException("task '" + loop.id()
                        + "': the poll budget completed without a permit"));
            }
        }

        void cancel() {
            cancelled = true;
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
