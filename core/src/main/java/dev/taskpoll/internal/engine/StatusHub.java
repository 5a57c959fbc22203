package dev.taskpoll.internal.engine;

import dev.taskpoll.TaskStatus;
import java.util.ArrayDeque;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * The output of one poll loop, shared by every subscriber of its task: each gets the latest status at once, then
 * every status after it, then the end. It does what {@code Flux.create(...).replay(1).refCount()} did, in about a
 * tenth of the heap per idle task (measured: the operator chain kept ~770 bytes per task, of a 1 KiB budget).
 *
 * <p>Signals are put in each subscriber's queue under this hub's monitor, so every subscriber sees them in the same
 * order, and delivered outside it, one at a time per subscriber and within its demand (a terminal signal needs none).
 * When the last subscriber leaves before the end, the hub closes and calls {@link #lastSubscriberLeft()}; a closed
 * hub refuses new subscribers, and the caller starts a new loop.
 *
 * <p>Abstract, and extended by {@link PollLoop} rather than held by it: one object per tracked task instead of a
 * loop, a hub and a callback between them (about 50 bytes per task less).
 */
abstract class StatusHub {

    private static final Inner[] EMPTY = new Inner[0];

    enum Added { FIRST, MORE, CLOSED }

    // guarded by this
    private Inner[] subscribers = EMPTY;
    /** The latest status, for a subscriber that comes later (the loop keeps its own, for its decisions). */
    private @Nullable TaskStatus latest;
    private @Nullable End end;
    private boolean subscribedOnce;
    private boolean closed;
    /** Kept without subscribers: a durable task is tracked until it ends, subscribed or not. */
    private boolean pinned;

    /** The last subscriber left before the end; called once, outside this hub's monitor unless the caller held it. */
    abstract void lastSubscriberLeft();

    /** Keeps this hub open without subscribers: its task is durable, tracked until it ends, subscribed or not. */
    synchronized void pin() {
        pinned = true;
    }

    /** Sets the latest status without emitting it (a resumed task's recorded status): later subscribers get it. */
    synchronized void seed(TaskStatus status) {
        if (end == null) {
            latest = status;
        }
    }

    /**
     * Adds a subscriber: it gets the latest status, and the end if there was one. {@code FIRST} for the one that
     * should start the loop, {@code CLOSED} when the loop has ended by cancellation (nothing was added).
     */
    Added add(Inner inner) {
        Added added;
        synchronized (this) {
            if (closed) {
                return Added.CLOSED;
            }
            if (latest != null) {
                inner.enqueue(latest);
            }
            if (end != null) {
                inner.enqueue(end);
                added = Added.MORE;
            } else {
                Inner[] a = Arrays.copyOf(subscribers, subscribers.length + 1);
                a[a.length - 1] = inner;
                subscribers = a;
                added = subscribedOnce ? Added.MORE : Added.FIRST;
                subscribedOnce = true;
            }
        }
        inner.hub = this;
        inner.drain();
        return added;
    }

    void next(TaskStatus status) {
        publish(status);
    }

    void complete() {
        publish(new End(null));
    }

    void error(Throwable e) {
        publish(new End(e));
    }

    /** Queues a status or the end for every subscriber (none after the end), then delivers what each can take. */
    private void publish(Object signal) {
        Inner[] to;
        synchronized (this) {
            if (end != null) {
                return;
            }
            to = subscribers;
            if (signal instanceof End e) {
                end = e;
                subscribers = EMPTY;
            } else {
                latest = (TaskStatus) signal;
            }
            for (Inner i : to) {
                i.enqueue(signal);
            }
        }
        for (Inner i : to) {
            i.drain();
        }
    }

    void remove(Inner inner) {
        boolean lastOne = false;
        synchronized (this) {
            int n = subscribers.length;
            int at = -1;
            for (int k = 0; k < n; k++) {
                if (subscribers[k] == inner) {
                    at = k;
                    break;
                }
            }
            if (at < 0) {
                return;
            }
            if (n == 1) {
                subscribers = EMPTY;
                if (end == null && !pinned) {
                    closed = true;
                    lastOne = true;
                }
            } else {
                Inner[] a = new Inner[n - 1];
                System.arraycopy(subscribers, 0, a, 0, at);
                System.arraycopy(subscribers, at + 1, a, at, n - at - 1);
                subscribers = a;
            }
        }
        if (lastOne) {
            lastSubscriberLeft();
        }
    }

    /** A terminal signal: complete when {@code error} is null. */
    private record End(@Nullable Throwable error) {
    }

    /** One subscriber's subscription: its queue (allocated only while signals wait), its demand. */
    static final class Inner implements Subscription {
        private final CoreSubscriber<? super TaskStatus> actual;
        volatile @Nullable StatusHub hub;

        // guarded by this
        private long requested;
        private @Nullable ArrayDeque<Object> queue;
        private boolean emitting;
        private boolean missed;
        private boolean ended;
        private volatile boolean cancelled;

        Inner(CoreSubscriber<? super TaskStatus> actual) {
            this.actual = actual;
        }

        boolean isCancelled() {
            return cancelled;
        }

        synchronized void enqueue(Object signal) {
            if (cancelled || ended) {
                return;
            }
            ended = signal instanceof End;
            if (queue == null) {
                queue = new ArrayDeque<>(2);
            }
            queue.add(signal);
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                actual.onError(new IllegalArgumentException("request: " + n + " must be positive (spec 3.9)"));
                return;
            }
            synchronized (this) {
                requested = Operators.addCap(requested, n);
            }
            drain();
        }

        @Override
        public void cancel() {
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                cancelled = true;
                queue = null;
            }
            StatusHub h = hub;
            if (h != null) {
                h.remove(this);
            }
        }

        void drain() {
            synchronized (this) {
                if (emitting) {
                    missed = true;
                    return;
                }
                emitting = true;
            }
            for (;;) {
                Object next;
                synchronized (this) {
                    Object head = queue == null || cancelled ? null : queue.peek();
                    if (head != null && (head instanceof End || requested > 0)) {
                        queue.poll();
                        if (queue.isEmpty()) {
                            queue = null;
                        }
                        if (!(head instanceof End) && requested != Long.MAX_VALUE) {
                            requested--;
                        }
                        next = head;
                    } else if (missed) {
                        missed = false;
                        continue;
                    } else {
                        emitting = false;
                        return;
                    }
                }
                if (next instanceof End e) {
                    if (e.error() == null) {
                        actual.onComplete();
                    } else {
                        actual.onError(e.error());
                    }
                } else {
                    actual.onNext((TaskStatus) next);
                }
            }
        }
    }
}
