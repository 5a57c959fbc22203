package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.StatusSource;
import dev.taskpoll.spi.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Callback hints merged into a task's flux, exactly, on virtual time (Sora: 30 s period; watchdog 120 s). */
class HintTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final ScriptedSource source = new ScriptedSource(vts);
    private final TaskTracker tracker = TaskTracker.create(Map.<Dialect, StatusSource>of(Dialect.OPC, source),
            TrackerOptions.builder().fixedGrid().scheduler(vts).random(() -> 0.5).phaseSpread(0).build());

    private TaskStatus hint(String raw) {
        return ScriptedSource.status("t", raw, Instant.ofEpochMilli(vts.now(TimeUnit.MILLISECONDS)));
    }

    @Test
    void aTerminalHintIsConfirmedByAPollAtOnceAndOnlyThePollsAnswerIsEmitted() {
        source.then("processing", "completed");
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.SORA)), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(30))
                .assertNext(s -> assertThat(s.state()).isEqualTo(TaskState.PROCESSING))
                .then(() -> vts.advanceTimeBy(Duration.ofSeconds(5)))
                .then(() -> tracker.hints().offer(Family.SORA, hint("completed")))
                .assertNext(s -> {
                    assertThat(s.state()).isEqualTo(TaskState.COMPLETED);
                    assertThat(s.resultUrls().get(0)).startsWith("https://cdn.example/t.mp4"); // the poll's, not a hint's
                })
                .expectComplete().verify(Duration.ofSeconds(10));
        assertThat(source.requestTimes).containsExactly(30_000L, 35_000L);
    }

    @Test
    void forwardHintsAreEmittedBackwardAndDuplicateOnesAreNotAndPollingSlowsToTheWatchdog() {
        source.then("queued", "processing", "processing", "processing", "processing", "completed");
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.SORA)), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(30))
                .assertNext(s -> assertThat(s.state()).isEqualTo(TaskState.QUEUED))
                .then(() -> tracker.hints().offer(Family.SORA, hint("processing")))
                .assertNext(s -> assertThat(s.state()).isEqualTo(TaskState.PROCESSING))
                .then(() -> {
                    tracker.hints().offer(Family.SORA, hint("processing")); // duplicate
                    tracker.hints().offer(Family.SORA, hint("queued"));     // late, out of order
                })
                .expectNoEvent(Duration.ofSeconds(239))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(s -> assertThat(s.state()).isEqualTo(TaskState.COMPLETED))
                .expectComplete().verify(Duration.ofSeconds(10));
        // the poll due at 60 s was scheduled before the hint; after it, the watchdog (120 s) while the last hint is
        // recent; at 180 s the last hint is 150 s old: back to every 30 s
        assertThat(source.requestSeconds()).containsExactly(30L, 60L, 180L, 210L, 240L, 270L);
    }

    /**
     * While callbacks arrive, a poll comes no sooner than the watchdog allows, nor sooner than the cadence plans it
     * (a learned cadence plans long waits before a model's early edge): hints only ever save polls.
     */
    @Test
    void whileHintsArriveAPollComesNoSoonerThanTheCadencePlansIt() {
        source.then("processing", "processing", "processing", "processing");
        dev.taskpoll.spi.Cadence patient = new dev.taskpoll.spi.Cadence() {
            @Override
            public long firstPoll(Task task, long now) {
                return now + 30_000;
            }

            @Override
            public long nextPoll(Task task, long now) {
                return now + 300_000;
            }
        };
        TaskTracker t = TaskTracker.create(Map.<Dialect, StatusSource>of(Dialect.OPC, source),
                TrackerOptions.builder().cadence(patient).scheduler(vts).build());
        reactor.core.Disposable d = t.track(TaskRef.of("t", Family.SORA)).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(31));
        for (int i = 0; i < 12; i++) { // a hint every 60 s, from 31 s on
            t.hints().offer(Family.SORA, hint("processing"));
            vts.advanceTimeBy(Duration.ofSeconds(60));
        }
        // the watchdog alone (120 s) would have polled at 450 and 570 s
        assertThat(source.requestSeconds()).containsExactly(30L, 330L, 630L);
        d.dispose();
        t.close();
    }

    /**
     * A cadence's re-plan (a learned model's drift) does not move a task whose callbacks are arriving off the
     * watchdog's grid: before, it was polled at once, as if no callback came (a review).
     */
    @Test
    void aReplanWhileHintsArriveKeepsTheWatchdogsGrid() {
        source.then("processing", "processing", "processing", "processing");
        java.util.concurrent.atomic.AtomicReference<dev.taskpoll.spi.Cadence.Host> host =
                new java.util.concurrent.atomic.AtomicReference<>();
        dev.taskpoll.spi.Cadence eager = new dev.taskpoll.spi.Cadence() {
            @Override
            public long firstPoll(Task task, long now) {
                return now + 30_000;
            }

            @Override
            public long nextPoll(Task task, long now) {
                return now + 30_000;
            }

            @Override
            public long replan(Task task, long now) {
                return now + 1_000;
            }

            @Override
            public void bind(Host h) {
                host.set(h);
            }
        };
        TaskTracker t = TaskTracker.create(Map.<Dialect, StatusSource>of(Dialect.OPC, source),
                TrackerOptions.builder().cadence(eager).scheduler(vts).build());
        reactor.core.Disposable d = t.track(TaskRef.of("t", Family.SORA)).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(31));
        t.hints().offer(Family.SORA, hint("processing"));
        vts.advanceTimeBy(Duration.ofSeconds(40)); // 71 s: the poll planned before the hint went at 60 s
        host.get().replan(task -> true);
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(source.requestSeconds()).as("the watchdog's next poll is at 180 s").containsExactly(30L, 60L);
        d.dispose();
        t.close();
    }

    /**
     * A callback that comes before its task's tracking starts without a subscriber (resumed from a store read later
     * than the callback came) is kept and applied when it starts: here a terminal one is confirmed by a poll at once,
     * not at the task's next planned poll.
     */
    @Test
    void aHintKeptBeforeAResumedTaskStartsIsAppliedWhenItDoes() {
        source.then("completed");
        TaskStore.Tracked record = new TaskStore.Tracked(TaskRef.of("t", Family.SORA, "sora-2")
                .withPolicy(Family.SORA.defaultPolicy()), Instant.EPOCH, Instant.EPOCH.plus(Duration.ofHours(1)),
                60_000L, ScriptedSource.status("t", "processing", Instant.EPOCH));
        TaskStore store = new DurableStoreStub() {
            @Override
            public Flux<Tracked> open() { // the store's read lands at 10 s
                return Flux.just(record).delayElements(Duration.ofSeconds(10), vts);
            }
        };
        TaskTracker resuming = TaskTracker.create(Map.<Dialect, StatusSource>of(Dialect.OPC, source),
                TrackerOptions.builder().fixedGrid().scheduler(vts).random(() -> 0.5).phaseSpread(0).store(store)
                        .build());
        vts.advanceTimeBy(Duration.ofSeconds(5));
        resuming.hints().offer(Family.SORA, hint("completed"));
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(source.requestTimes).as("the confirming poll").containsExactly(10_000L);
        assertThat(resuming.activeTasks()).isZero();
        resuming.close();
    }
}
