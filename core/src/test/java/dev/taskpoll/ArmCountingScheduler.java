package dev.taskpoll;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A scheduler that counts delayed tasks armed on it: the tracker's shared timer arms one for each new earliest due
 * time, so a test on virtual time can wait (for an event, not for time) until a poll's answer has armed the next poll
 * before it advances the clock.
 */
final class ArmCountingScheduler implements Scheduler {

    private final Scheduler delegate;
    private final AtomicInteger armed = new AtomicInteger();

    ArmCountingScheduler(Scheduler delegate) {
        this.delegate = delegate;
    }

    int armed() {
        return armed.get();
    }

    @Override
    public Disposable schedule(Runnable task) {
        return delegate.schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        Disposable d = delegate.schedule(task, delay, unit);
        armed.incrementAndGet(); // counted once armed: a test that sees the count may move time past it
        return d;
    }

    @Override
    public long now(TimeUnit unit) {
        return delegate.now(unit);
    }

    @Override
    public Worker createWorker() {
        return delegate.createWorker();
    }
}
