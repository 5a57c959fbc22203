package dev.taskpoll.sqlite;

import java.util.concurrent.TimeUnit;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Runs what is scheduled without a delay when the test says so, on the test's thread; the rest on virtual time. */
final class Pumped implements reactor.core.scheduler.Scheduler {
    private final VirtualTimeScheduler vts;
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> queue =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    Pumped(VirtualTimeScheduler vts) {
        this.vts = vts;
    }

    void pump() {
        for (Runnable r; (r = queue.poll()) != null; ) {
            r.run();
        }
    }

    @Override
    public reactor.core.Disposable schedule(Runnable task) {
        queue.add(task);
        return () -> queue.remove(task);
    }

    @Override
    public reactor.core.Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return vts.schedule(task, delay, unit);
    }

    @Override
    public reactor.core.Disposable schedulePeriodically(Runnable task, long initialDelay, long period,
                                                        TimeUnit unit) {
        return vts.schedulePeriodically(task, initialDelay, period, unit);
    }

    @Override
    public long now(TimeUnit unit) {
        return vts.now(unit);
    }

    @Override
    public Worker createWorker() {
        return vts.createWorker();
    }
}
