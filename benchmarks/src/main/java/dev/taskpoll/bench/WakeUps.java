package dev.taskpoll.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A scheduler that runs everything on its delegate and records, for each delayed task, how late it ran (real time,
 * 0.1 ms buckets up to 10 s): taskpoll's shared timer arms one delayed task per wake-up, so this is the lateness of
 * the engine's own timing at the client, before the fleet budget, the pool, the network and the server.
 */
final class WakeUps implements Scheduler {

    private static final int BUCKETS = 100_000; // 0.1 ms each
    private final Scheduler delegate;
    private final LongSupplier nanoTime;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS + 1);
    private volatile long skipFrom = Long.MAX_VALUE;
    private volatile long skipTo = Long.MIN_VALUE;

    /** Lateness measured with {@link System#nanoTime()}. */
    WakeUps(Scheduler delegate) {
        this(delegate, System::nanoTime);
    }

    /** Lateness measured with {@code nanoTime} (tests give the delegate's virtual time). */
    WakeUps(Scheduler delegate, LongSupplier nanoTime) {
        this.delegate = delegate;
        this.nanoTime = nanoTime;
    }

    /** The p-th percentile of lateness, in real ms, over every delayed task run so far. */
    double percentile(double p) {
        long total = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            total += counts.get(i);
        }
        long rank = (long) Math.ceil(p / 100 * total);
        long seen = 0;
        for (int i = 0; i <= BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank && total > 0) {
                return i / 10.0;
            }
        }
        return Double.NaN;
    }

    /** Wake-ups due in [from, to] (the nano clock's time) are not counted: the harness's own full GCs. */
    void skip(long from, long to) {
        skipFrom = from;
        skipTo = to;
    }

    @Override
    public Disposable schedule(Runnable task) {
        return delegate.schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        long due = nanoTime.getAsLong() + unit.toNanos(delay);
        return delegate.schedule(() -> {
            long late = Math.max(0, nanoTime.getAsLong() - due);
            if (due < skipFrom || due > skipTo) {
                counts.incrementAndGet((int) Math.min(BUCKETS, late / 100_000));
            }
            task.run();
        }, delay, unit);
    }

    @Override
    public long now(TimeUnit unit) {
        return delegate.now(unit);
    }

    @Override
    public Worker createWorker() {
        return delegate.createWorker();
    }

    @Override
    public void dispose() {
        // the delegate is shared (Schedulers.parallel()): not ours to dispose
    }
}
