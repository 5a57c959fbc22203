package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.internal.engine.MonotonicScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A step of the system clock (an NTP step, a clock set by hand, a virtual machine resumed) moves no poll and no
 * deadline of a tracker on the default scheduler's monotonic time. The system clock here is {@link WallClock}: delays
 * on virtual time, {@code now()} virtual time plus a step the test sets, as Reactor's schedulers answer {@code now()}
 * from {@code System.currentTimeMillis()} and time their delays on {@code System.nanoTime()}.
 */
class ClockStepTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final WallClock wall = new WallClock(vts);
    private final ScriptedSource source = new ScriptedSource(vts);
    private TaskTracker tracker;

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.close();
        }
        vts.dispose();
    }

    private TaskTracker tracker() {
        // what the default is made of: the wall clock read once, then monotonic (here virtual) time
        Scheduler monotonic = new MonotonicScheduler(() -> wall, wall.now(TimeUnit.MILLISECONDS),
                () -> vts.now(TimeUnit.NANOSECONDS));
        tracker = TaskTracker.create(Map.of(Dialect.OPC, source), TrackerOptions.builder().fixedGrid()
                .scheduler(monotonic).random(() -> 0.5).phaseSpread(0).build());
        return tracker;
    }

    @Test
    void aStepBackOfAnHourHoldsNoPoll() {
        source.then("processing", "processing", "completed");
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        tracker().track(TaskRef.of("t", Family.SORA)).subscribe(seen::add);
        vts.advanceTimeBy(Duration.ofSeconds(10));
        wall.step(Duration.ofHours(-1));
        vts.advanceTimeBy(Duration.ofSeconds(80));
        // on the wall clock's now() the grid's next poll (30 s) would have been due an hour later
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 90_000L);
        assertThat(seen).last().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
    }

    @Test
    void aStepForwardPastTheDeadlineTimesNothingOut() {
        source.then("processing", "processing", "completed");
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        List<Throwable> failed = new CopyOnWriteArrayList<>();
        PollPolicy policy = PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(20));
        tracker().track(TaskRef.of("t", Family.SORA).withPolicy(policy)).subscribe(seen::add, failed::add);
        vts.advanceTimeBy(Duration.ofSeconds(10));
        wall.step(Duration.ofHours(2));
        vts.advanceTimeBy(Duration.ofSeconds(80));
        // on the wall clock's now() the task would have timed out at the first tick after the step, never polled
        assertThat(failed).isEmpty();
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 90_000L);
        assertThat(seen).last().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
    }

    @Test
    void theDefaultSchedulerIsMonotonicAnchoredAtTheSystemClock() {
        Scheduler s = TrackerOptions.builder().build().scheduler();
        assertThat(s).isSameAs(MonotonicScheduler.DEFAULT);
        long a = s.now(TimeUnit.MILLISECONDS);
        long b = s.now(TimeUnit.MILLISECONDS);
        assertThat(b).as("never goes back").isGreaterThanOrEqualTo(a);
        // anchored at the system clock: nowhere near it only if the clock was stepped during this JVM's life
        assertThat(Math.abs(a - System.currentTimeMillis())).isLessThan(Duration.ofMinutes(1).toMillis());
    }

    /** Delays on the delegate's (monotonic) time, {@code now()} the delegate's time plus a step. */
    static final class WallClock implements Scheduler {
        private final Scheduler delegate;
        private volatile long stepMillis;

        WallClock(Scheduler delegate) {
            this.delegate = delegate;
        }

        void step(Duration by) {
            stepMillis += by.toMillis();
        }

        @Override
        public long now(TimeUnit unit) {
            return unit.convert(delegate.now(TimeUnit.MILLISECONDS) + stepMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return delegate.schedule(task, delay, unit);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return delegate.schedulePeriodically(task, initialDelay, period, unit);
        }

        @Override
        public Worker createWorker() {
            return delegate.createWorker();
        }
    }
}
