package dev.taskpoll.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class SharedTimerTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final SharedTimer timer = new SharedTimer(vts, 10);
    private final List<String> fired = new CopyOnWriteArrayList<>();

    private Runnable record(String name) {
        return () -> fired.add(name + "@" + vts.now(TimeUnit.MILLISECONDS));
    }

    /** Virtual time whose clock reading can be set back, as an operator or NTP sets a system clock back. */
    private static final class SteppingClock implements reactor.core.scheduler.Scheduler {
        final VirtualTimeScheduler base = VirtualTimeScheduler.create();
        volatile long shift;

        @Override
        public long now(TimeUnit unit) {
            return unit.convert(base.now(TimeUnit.MILLISECONDS) + shift, TimeUnit.MILLISECONDS);
        }

        @Override
        public Disposable schedule(Runnable task) {
            return base.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return base.schedule(task, delay, unit); // delays run on their own time, as a real scheduler's
        }

        @Override
        public Worker createWorker() {
            return base.createWorker();
        }
    }

    /**
     * The clock set back an hour while an entry waits: it runs when it was due by the time that passed, and the
     * timer's time goes on from where it was. It slept the hour again (nothing due by the clock), and so did every
     * poll, the fleet budget and the circuit, which read the same time. A small step back is left alone.
     */
    @Test
    void aClockSetBackAnHourDelaysNothing() {
        SteppingClock clock = new SteppingClock();
        SharedTimer t = new SharedTimer(clock, 10);
        List<String> ran = new CopyOnWriteArrayList<>();
        t.schedule(() -> ran.add("a@" + t.now()), 30_000);
        clock.base.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(t.now()).isEqualTo(10_000);
        clock.shift = -3_600_000;
        assertThat(t.now()).as("taken up: the time goes on from where it was").isEqualTo(10_000);
        t.schedule(() -> ran.add("b@" + t.now()), t.now() + 5_000);
        clock.base.advanceTimeBy(Duration.ofSeconds(20));
        assertThat(ran).containsExactly("b@15000", "a@30000");
        clock.shift -= 500; // within STEP_BACK_MILLIS: left alone
        assertThat(t.now()).isEqualTo(29_500);
    }

    @Test
    void runsEntriesInDueOrderAtTheirTickRoundedUp() {
        timer.schedule(record("c"), 3000);
        timer.schedule(record("a"), 1000);
        timer.schedule(record("b"), 1995);
        vts.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(fired).containsExactly("a@1000", "b@2000", "c@3000");
        assertThat(timer.size()).isZero();
    }

    @Test
    void entriesDueInTheSameTickRunTogether() {
        for (int i = 0; i < 100; i++) {
            timer.schedule(record("e"), 1001 + i % 9);
        }
        vts.advanceTimeBy(Duration.ofMillis(1009));
        assertThat(fired).isEmpty();
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(fired).hasSize(100).allMatch(s -> s.equals("e@1010"));
    }

    @Test
    void aDisposedEntryNeverRuns() {
        Disposable a = timer.schedule(record("a"), 1000);
        Disposable b = timer.schedule(record("b"), 1000);
        timer.schedule(record("c"), 1000);
        b.dispose();
        a.dispose();
        a.dispose();
        assertThat(timer.size()).isEqualTo(1);
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(fired).containsExactly("c@1000");
        assertThat(b.isDisposed()).isTrue();
    }

    @Test
    void aRearmableEntryMovesRatherThanRunningTwice() {
        SharedTimer.Rearmable next = timer.rearmable(record("r"));
        assertThat(timer.size()).isZero();
        next.scheduleAt(3000);
        next.scheduleAt(1000); // replaces the 3000 scheduling, which must not run
        timer.schedule(record("x"), 1000); // shares the bucket
        assertThat(timer.size()).isEqualTo(2);
        vts.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(fired).containsExactlyInAnyOrder("r@1000", "x@1000");
        assertThat(next.isDisposed()).isTrue();
    }

    @Test
    void aRearmableEntryRunsAgainEachTimeItIsScheduledFromItsOwnRun() {
        SharedTimer.Rearmable[] self = new SharedTimer.Rearmable[1];
        self[0] = timer.rearmable(() -> {
            fired.add("p@" + vts.now(TimeUnit.MILLISECONDS));
            if (fired.size() < 3) {
                self[0].scheduleAt(vts.now(TimeUnit.MILLISECONDS) + 1000);
            }
        });
        self[0].scheduleAt(1000);
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(fired).containsExactly("p@1000", "p@2000", "p@3000");
        assertThat(timer.size()).isZero();
    }

    @Test
    void aDisposedRearmableEntryCanBeScheduledAgain() {
        SharedTimer.Rearmable next = timer.rearmable(record("r"));
        next.scheduleAt(1000);
        next.dispose();
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(fired).isEmpty();
        next.scheduleAt(2500);
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(fired).containsExactly("r@2500");
    }

    @Test
    void anEarlierEntryScheduledLaterStillRunsOnTime() {
        timer.schedule(record("late"), 60_000);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        timer.schedule(record("early"), 5_000);
        vts.advanceTimeBy(Duration.ofMinutes(2));
        assertThat(fired).containsExactly("early@5000", "late@60000");
    }

    @Test
    void anEntryAlreadyDueRunsAtOnce() {
        vts.advanceTimeBy(Duration.ofSeconds(10));
        timer.schedule(record("now"), 1_000);
        vts.advanceTime();
        assertThat(fired).containsExactly("now@10000");
    }

    @Test
    void aFailingTaskDoesNotStopTheOthers() {
        timer.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 1000);
        timer.schedule(record("ok"), 1000);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(fired).containsExactly("ok@1000");
    }

    @Test
    void entriesScheduledFromARunningEntryAreHonoured() {
        timer.schedule(() -> {
            fired.add("first@" + vts.now(TimeUnit.MILLISECONDS));
            timer.schedule(record("second"), vts.now(TimeUnit.MILLISECONDS) + 30_000);
        }, 30_000);
        vts.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(fired).containsExactly("first@30000", "second@60000");
    }

    @Test
    void delayEmitsOnceAfterTheDelay() {
        StepVerifier.withVirtualTime(() -> timer.delay(7000), () -> vts, 1)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(6999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(0L)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void cancellingADelayRemovesItsEntry() {
        Disposable d = timer.delay(5000).subscribe();
        assertThat(timer.size()).isEqualTo(1);
        d.dispose();
        assertThat(timer.size()).isZero();
    }

    @Test
    void manyEntriesAcrossManyTicksAllRunExactlyOnce() {
        int n = 50_000;
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < n; i++) {
            timer.schedule(count::incrementAndGet, r.nextInt(600_000));
        }
        vts.advanceTimeBy(Duration.ofMinutes(11));
        assertThat(count).hasValue(n);
        assertThat(timer.size()).isZero();
    }

    /**
     * Entries moved and disposed at random, many to a tick, against a model of where each should be: every entry runs
     * exactly once, at the tick it was last given, and a disposed one never (every unlink from the head, middle and
     * tail of a bucket's chain is walked many times).
     */
    @Test
    void randomMovesAndDisposalsLeaveEachEntryRunningOnceAtItsLastTick() {
        java.util.Random r = new java.util.Random(7);
        int n = 2_000;
        long[] expected = new long[n]; // the tick each entry must run at, -1 when disposed
        long[] ranAt = new long[n];
        int[] runs = new int[n];
        SharedTimer.Rearmable[] entries = new SharedTimer.Rearmable[n];
        for (int i = 0; i < n; i++) {
            int id = i;
            entries[i] = timer.rearmable(() -> {
                runs[id]++;
                ranAt[id] = vts.now(TimeUnit.MILLISECONDS);
            });
            expected[i] = -1;
        }
        for (int step = 0; step < 20_000; step++) {
            int i = r.nextInt(n);
            if (r.nextInt(5) == 0) {
                entries[i].dispose();
                expected[i] = -1;
            } else {
                long due = 1000 + 10L * r.nextInt(20); // 20 ticks, about 100 entries each
                entries[i].scheduleAt(due);
                expected[i] = due;
            }
        }
        int scheduled = (int) java.util.Arrays.stream(expected).filter(t -> t >= 0).count();
        assertThat(timer.size()).isEqualTo(scheduled);
        vts.advanceTimeBy(Duration.ofSeconds(2));
        for (int i = 0; i < n; i++) {
            assertThat(runs[i]).as("runs of entry %d", i).isEqualTo(expected[i] < 0 ? 0 : 1);
            if (expected[i] >= 0) {
                assertThat(ranAt[i]).as("time entry %d ran", i).isEqualTo(expected[i]);
            }
        }
        assertThat(timer.size()).isZero();
    }
}
