package dev.taskpoll;

import dev.taskpoll.spi.TaskStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A submit's writes to a durable store, each waited for at most {@code storeTimeout} on the tracker's scheduler and
 * never cancelled (neither by the bound nor by a subscriber that cancels): one that lands after the wait ended is
 * handed to its {@code late} consumer. So that a long outage does not pile them up (each holds its request), every
 * write counts as outstanding until it lands or fails, and as overdue once it outlasts the bound (a write whose caller
 * cancelled keeps its timer for that); while any is overdue and {@link #MAX_WAITING} are outstanding,
 * {@link #backlog()} refuses the next submit. A busy store that answers within the bound is never refused.
 */
final class StoreWrites {

    /** The most writes left outstanding, once one has outlasted the bound, before submits are refused. */
    static final int MAX_WAITING = 1_000;

    /** The client's log category: what users configure for the client covers its store writes too. */
    private static final Logger log = Loggers.getLogger(TaskpollClient.class);

    // a write's state: PENDING, then ANSWERED (in time), or CANCELLED (nobody waits: its timer still counts it
    // overdue), or OVERDUE (counted); then LANDED
    private static final int PENDING = 0;
    private static final int ANSWERED = 1;
    private static final int CANCELLED = 2;
    private static final int OVERDUE = 3;
    private static final int LANDED = 4;

    private final TaskStore store;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final BooleanSupplier closed;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger overdue = new AtomicInteger();

    /** {@code closed}: whether the client is closing (its store's waiting writes then end: no line for each). */
    StoreWrites(TaskStore store, Scheduler scheduler, Duration timeout, BooleanSupplier closed) {
        this.store = store;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.closed = closed;
    }

    /**
     * Why a submit is refused before anything is written or sent: writes of earlier submits outlasted the bound and
     * {@link #MAX_WAITING} are still outstanding. Null when it may go on.
     */
    @Nullable TaskStoreException backlog() {
        int late = overdue.get();
        int waiting = outstanding.get();
        if (late <= 0 || waiting < MAX_WAITING) {
            return null;
        }
        return new TaskStoreException(waiting + " store writes of earlier submits are still outstanding (" + late
                + " of them past storeTimeout) in " + store + ", the most kept waiting is " + MAX_WAITING
                + "; nothing was sent", null, null);
    }

    /** As below, for a write whose late landing needs nothing more. */
    <T> Mono<T> wait(Mono<T> write, Supplier<? extends Throwable> timedOut) {
        return wait(write, timedOut, late -> { });
    }

    /**
     * {@code write}, waited for at most the bound, then failed with {@code timedOut}; a landing after that is handed
     * to {@code late} (its value, or null when it has none).
     */
    <T> Mono<T> wait(Mono<T> write, Supplier<? extends Throwable> timedOut, Consumer<@Nullable T> late) {
        return Mono.create(sink -> {
            AtomicInteger state = new AtomicInteger(PENDING);
            Disposable timer = scheduler.schedule(() -> {
                if (state.compareAndSet(PENDING, OVERDUE)) {
                    overdue.incrementAndGet(); // a landing in between has already taken it off: the count evens out
                    sink.error(timedOut.get());
                } else if (state.compareAndSet(CANCELLED, OVERDUE)) {
                    overdue.incrementAndGet();
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            outstanding.incrementAndGet(); // until the write lands or fails, whoever waits for it then
            sink.onCancel(() -> state.compareAndSet(PENDING, CANCELLED));
            write.map(Optional::of).defaultIfEmpty(Optional.empty())
                    .doFinally(signal -> outstanding.decrementAndGet())
                    .subscribe(v -> {
                        timer.dispose();
                        if (!state.compareAndSet(PENDING, ANSWERED)) {
                            landedLate(state);
                            late.accept(v.orElse(null));
                        } else if (v.isPresent()) {
                            sink.success(v.get());
                        } else {
                            sink.success();
                        }
                    }, e -> {
                        timer.dispose();
                        if (state.compareAndSet(PENDING, ANSWERED)) {
                            sink.error(e);
                        } else if (landedLate(state) && !closed.getAsBoolean()) {
                            log.warn("task store {}: a write that outlasted storeTimeout failed ({})", store,
                                    e.toString());
                        }
                    });
        });
    }

    /** True when the write had outlasted the bound (rather than landed after its subscriber cancelled). */
    private boolean landedLate(AtomicInteger state) {
        if (state.getAndSet(LANDED) == OVERDUE) {
            overdue.decrementAndGet();
            return true;
        }
        return false;
    }

    /** Writes not landed or failed yet, waited for or not. */
    int outstanding() {
        return outstanding.get();
    }
}
