package dev.taskpoll.internal.engine;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A scheduler whose {@code now()} never jumps: the wall clock read once, when this scheduler was made, plus the
 * monotonic time ({@link System#nanoTime()}) elapsed since. Work runs on a delegate, as it would without this.
 *
 * <p>Why: Reactor's schedulers answer {@code now()} from {@link System#currentTimeMillis()}, which an NTP step, a
 * clock set by hand or a virtual machine resumed from a pause moves at once, while their delays run on monotonic
 * time. A tracker keeps absolute due times and deadlines in {@code now()}'s time, so a step back of an hour left every
 * poll, back-off and fleet refill waiting that hour more, and a step forward ended every task within the step of its
 * deadline as timed out. With this scheduler neither moves. The price: after a step, observation times differ from
 * the system clock by the step until the process restarts.
 *
 * <p>{@link #DEFAULT} is the tracker's default scheduler: {@link Schedulers#parallel()} (looked up at each use, so a
 * reset of Reactor's schedulers is followed), its time anchored when this class loads, one anchor for the whole JVM
 * so that every client in it agrees. {@link #dispose()} leaves the delegate alone.
 */
public final class MonotonicScheduler implements Scheduler {

    /** {@link Schedulers#parallel()} on monotonic time anchored at the wall clock when this class loads. */
    public static final MonotonicScheduler DEFAULT =
            new MonotonicScheduler(Schedulers::parallel, System.currentTimeMillis(), System::nanoTime);

    private final Supplier<Scheduler> delegate;
    private final long epochMillis;
    private final long startNanos;
    private final LongSupplier nanos;

    /**
     * @param delegate    where work runs (looked up at each use)
     * @param epochMillis the time {@code now()} answers at this moment, in epoch milliseconds
     * @param nanos       a monotonic clock in nanoseconds (read now, and at each {@code now()})
     */
    public MonotonicScheduler(Supplier<Scheduler> delegate, long epochMillis, LongSupplier nanos) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
        this.epochMillis = epochMillis;
        this.startNanos = nanos.getAsLong();
    }

    @Override
    public long now(TimeUnit unit) {
        long elapsed = nanos.getAsLong() - startNanos; // overflow-safe difference, as nanoTime requires
        return unit.convert(TimeUnit.MILLISECONDS.toNanos(epochMillis) + elapsed, TimeUnit.NANOSECONDS);
    }

    @Override
    public Disposable schedule(Runnable task) {
        return delegate.get().schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return delegate.get().schedule(task, delay, unit);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return delegate.get().schedulePeriodically(task, initialDelay, period, unit);
    }

    @Override
    public Worker createWorker() {
        return delegate.get().createWorker();
    }

    @Override
    public void init() {
        delegate.get().init();
    }

    @Override
    public void dispose() {
        // the delegate is shared (Reactor's parallel scheduler, or whoever passed it in): not ours to dispose
    }

    @Override
    public String toString() {
        return "MonotonicScheduler[" + delegate.get() + "]";
    }
}
