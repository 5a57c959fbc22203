package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.PollBudget;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.StatusSource;
import dev.taskpoll.spi.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The seams of {@code dev.taskpoll.spi} as the tracker uses them: each collaborator given through
 * {@link TrackerOptions} is called in the documented order, on virtual time.
 */
class SeamsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    /** Answers queued, processing, processing, completed; the provider reports no model. */
    private final ScriptedStatuses source = new ScriptedStatuses("queued", "processing", "processing", "completed");

    private final class ScriptedStatuses implements dev.taskpoll.spi.StatusSource {
        private final String[] script;
        private int next;

        ScriptedStatuses(String... script) {
            this.script = script;
        }

        @Override
        public Mono<TaskStatus> fetch(String taskId) {
            return Mono.fromSupplier(() -> {
                String raw = script[Math.min(next++, script.length - 1)];
                calls.add("fetch@" + vts.now(TimeUnit.MILLISECONDS));
                return new TaskStatus(taskId, TaskState.fromRaw(raw), raw, null, null,
                        raw.equals("completed") ? List.of("https://cdn.example/" + taskId + ".mp4") : List.of(), null,
                        null, null, Instant.ofEpochMilli(vts.now(TimeUnit.MILLISECONDS)));
            });
        }
    }

    private TaskTracker tracker(TrackerOptions.Builder b) {
        return TaskTracker.create(Map.of(Dialect.OPC, source), b.scheduler(vts).random(() -> 0.5).phaseSpread(0)
                .fleet(FleetOptions.disabled()).build());
    }

    /** A fixed-grid tracker of {@code source} whose requests {@code budget} admits. */
    private TaskTracker budgeted(StatusSource source, PollBudget budget) {
        return TaskTracker.create(Map.of(Dialect.OPC, source), TrackerOptions.builder().fixedGrid().scheduler(vts)
                .random(() -> 0.5).phaseSpread(0).budget(budget).build());
    }

    @Test
    void aCadenceGivenInTheOptionsDecidesEveryPollAndHearsTheEnd() {
        // first poll at 5 s, then 10, 20, 40 s after it: not the fixed grid
        Cadence doubling = new Cadence() {
            @Override
            public long firstPoll(Task task, long now) {
                calls.add("first " + task.kind() + "/" + task.model() + " polls=" + task.polls());
                return now + 5_000;
            }

            @Override
            public long nextPoll(Task task, long now) {
                calls.add("next polls=" + task.polls() + " last=" + task.last().rawStatus());
                return task.lastDue() + 10_000L * (1L << (task.polls() - 1));
            }

            @Override
            public void ended(Task task, TaskStatus terminal, long now) {
                calls.add("ended " + terminal.state() + " polls=" + task.polls() + " started=" + task.startedAt());
            }
        };
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid().cadence(doubling));
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.VEO, "veo_3_1_fast")), () -> vts,
                        Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(2))
                .expectNextCount(3)
                .expectComplete().verify(WAIT);
        assertThat(calls).containsExactly(
                "first VEO/veo_3_1_fast polls=0",
                "fetch@5000", "next polls=1 last=queued",
                "fetch@15000", "next polls=2 last=processing",
                "fetch@35000", "next polls=3 last=processing",
                "fetch@75000", "ended COMPLETED polls=4 started=0");
    }

    /**
     * A cadence that throws when told of a task's end (a cadence of the application's own) does not hold the end
     * back: the completed status is emitted and the stream completes, the failure logged. Before, the exception left
     * the stream open for ever.
     */
    @Test
    void aCadenceThatThrowsAtTheEndDoesNotHoldTheEndBack() {
        Cadence throwing = new Cadence() {
            @Override
            public long firstPoll(Task task, long now) {
                return now + 5_000;
            }

            @Override
            public long nextPoll(Task task, long now) {
                return now + 5_000;
            }

            @Override
            public void ended(Task task, TaskStatus terminal, long now) {
                throw new IllegalStateException("the application's cadence broke");
            }
        };
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid().cadence(throwing));
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.VEO, "veo_3_1_fast")), () -> vts,
                        Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(2))
                .expectNextCount(2)
                .assertNext(s -> assertThat(s.state()).isEqualTo(TaskState.COMPLETED))
                .expectComplete().verify(WAIT);
    }

    @Test
    void aBudgetGivenInTheOptionsAdmitsEveryRequestAndHearsHowItEnded() {
        PollBudget recording = recordingBudget();
        ScriptedSource throttling = new ScriptedSource(vts).then429("3").then("completed");
        TaskTracker tracker = budgeted(throttling, recording);
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.NANO_BANANA)), () -> vts,
                        Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(10))
                .expectNextCount(1)
                .expectComplete().verify(WAIT);
        assertThat(calls).containsExactly("admit@3000", "done THROTTLED", "throttled PT3S", "admit@6000",
                "done ANSWERED");
        assertThat(tracker.stats().currentRate()).as("the stats are the given budget's").isEqualTo(7);
    }

    /**
     * The budget hears of each permit once: given back as cancelled when the task's tracking stops while the request
     * is in flight, and as answered when the API answered nothing (a malformed answer, retried with a permit of its
     * own).
     */
    @Test
    void aBudgetHearsOfEachPermitOnceWhenARequestIsCancelledOrAnsweredWithNothing() {
        ScriptedSource slow = new ScriptedSource(vts).thenSlow(Duration.ofSeconds(10), "processing");
        TaskTracker tracker = budgeted(slow, recordingBudget());
        Disposable tracking = tracker.track(TaskRef.of("t", Family.NANO_BANANA)).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(5));
        tracking.dispose(); // the first request in flight since 3 s
        vts.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(calls).containsExactly("admit@3000", "done CANCELLED");

        calls.clear();
        ScriptedSource empty = new ScriptedSource(vts).thenNothing().then("completed");
        TaskTracker other = budgeted(empty, recordingBudget());
        long t0 = vts.now(TimeUnit.MILLISECONDS);
        StepVerifier.withVirtualTime(() -> other.track(TaskRef.of("u", Family.NANO_BANANA)), () -> vts,
                        Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(10))
                .expectNextCount(1)
                .expectComplete().verify(WAIT);
        // the first poll 3 s in, answered with nothing; its retry 500 ms later
        assertThat(calls).containsExactly("admit@" + (t0 + 3_000), "done ANSWERED", "admit@" + (t0 + 3_500),
                "done ANSWERED");
    }

    /**
     * A source that throws instead of failing its {@code Mono}: the task's tracking ends with that failure, and the
     * budget hears its permit given back, once.
     */
    @Test
    void aSourceThatThrowsEndsTheTaskWithItsFailureAndGivesThePermitBack() {
        StatusSource throwing = id -> {
            throw new IllegalStateException("no URI for task '" + id + "'");
        };
        TaskTracker tracker = budgeted(throwing, recordingBudget());
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.NANO_BANANA)), () -> vts,
                        Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(10))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessage("no URI for task 't'"))
                .verify(WAIT);
        assertThat(calls).containsExactly("admit@3000", "done CANCELLED");
        assertThat(tracker.activeTasks()).isZero();
    }

    private PollBudget recordingBudget() {
        return new PollBudget() {
            @Override
            public Mono<Permit> admit() {
                return Mono.fromSupplier(() -> {
                    calls.add("admit@" + vts.now(TimeUnit.MILLISECONDS));
                    return outcome -> calls.add("done " + outcome);
                });
            }

            @Override
            public void throttled(@Nullable Duration retryAfter) {
                calls.add("throttled " + retryAfter);
            }

            @Override
            public Stats stats() {
                return new Stats(7, 0, 0, "CLOSED", 0);
            }
        };
    }

    @Test
    void aDurableStoreHearsStartEveryChangeAndTheEndBeforeSubscribersDo() {
        RecordingStore store = new RecordingStore();
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid().store(store));
        List<String> seen = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.VEO, "veo_3_1_fast"))
                                .doOnNext(s -> seen.add(s.rawStatus() + " after " + store.writes.size() + " writes")),
                        () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(3))
                .expectNextCount(3)
                .expectComplete().verify(WAIT);
        assertThat(store.writes).containsExactly(
                "started t VEO veo_3_1_fast deadline=1800000 firstDue=30000",
                "status t queued", "status t processing", "ended t COMPLETED");
        // each status reached the subscriber only once it was recorded (the terminal one with the end, in one write)
        assertThat(seen).containsExactly("queued after 2 writes", "processing after 3 writes",
                "completed after 4 writes");
    }

    @Test
    void aTaskTheStoreAlreadyHeldKeepsItsStartDeadlineAndGrid() {
        RecordingStore store = new RecordingStore();
        // started 100 s before now (virtual time 200 s), with a 30 s grid anchored at 37 s
        store.held = new TaskStore.Tracked(TaskRef.of("t", Family.VEO), Instant.ofEpochMilli(100_000),
                Instant.ofEpochMilli(100_000 + 1_800_000), 37_000, null);
        vts.advanceTimeBy(Duration.ofSeconds(200));
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid().store(store));
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.VEO)), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(3))
                .expectNextCount(3)
                .expectComplete().verify(WAIT);
        // the next grid points after 200 s: 217, 247, 277, 307 s
        assertThat(calls).containsExactly("fetch@217000", "fetch@247000", "fetch@277000", "fetch@307000");
    }

    @Test
    void theModelTravelsWithTheTaskIntoItsStatusesPoliciesAndStats() {
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid()
                .policy(Family.VEO, PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(30)))
                .policy("veo_3_1_pro", PollPolicy.of(Duration.ofSeconds(45), Duration.ofMinutes(30))));
        List<TaskStatus> statuses = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.VEO, "veo_3_1_pro"))
                        .doOnNext(statuses::add), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(4))
                .expectNextCount(3)
                .expectComplete().verify(WAIT);
        assertThat(calls).as("the model's policy wins over its family's")
                .containsExactly("fetch@45000", "fetch@90000", "fetch@135000", "fetch@180000");
        assertThat(statuses).allSatisfy(s -> assertThat(s.model()).isEqualTo("veo_3_1_pro"));
        assertThat(tracker.modelStats()).singleElement().satisfies(m -> {
            assertThat(m.kind()).isEqualTo(Family.VEO);
            assertThat(m.model()).isEqualTo("veo_3_1_pro");
            assertThat(m.polls()).isEqualTo(4);
            assertThat(m.completed()).isEqualTo(1);
            assertThat(m.pollsPerEndedTask()).isEqualTo(4.0);
        });
    }

    /**
     * A service that tracks whatever model its callers name: the first {@link ModelStats#MODELS_KEPT} models are
     * counted apart, the rest together as {@link ModelStats#OTHER_MODELS} (counters and meters grew with every model).
     */
    @Test
    void modelsBeyondTheKeptOnesAreCountedTogether() {
        StatusSource done = id -> Mono.fromSupplier(() -> new TaskStatus(id, TaskState.COMPLETED, "completed", null,
                null, List.of("https://cdn.example/" + id + ".mp4"), null, null, null,
                Instant.ofEpochMilli(vts.now(TimeUnit.MILLISECONDS))));
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, done), TrackerOptions.builder().fixedGrid()
                .scheduler(vts).random(() -> 0.5).phaseSpread(0).fleet(FleetOptions.disabled()).build());
        List<String> watched = new CopyOnWriteArrayList<>();
        tracker.watchModels(m -> watched.add(m.model()));
        int beyond = 44;
        int n = ModelStats.MODELS_KEPT + beyond;
        // one after the other, then one more task of the first model
        StepVerifier.withVirtualTime(() -> Flux.range(0, n)
                        .concatMap(i -> tracker.track(TaskRef.of("t" + i, Family.VEO, "model-" + i)).last())
                        .concatWith(Flux.defer(() -> tracker.track(TaskRef.of("again", Family.VEO, "model-0")).last())),
                        () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofHours(3))
                .expectNextCount(n + 1)
                .expectComplete().verify(WAIT);

        List<ModelStats> stats = tracker.modelStats();
        assertThat(stats).hasSize(ModelStats.MODELS_KEPT + 1);
        assertThat(stats).filteredOn(m -> ModelStats.OTHER_MODELS.equals(m.model())).singleElement()
                .satisfies(m -> {
                    assertThat(m.kind()).isEqualTo(Family.VEO);
                    assertThat(m.started()).isEqualTo(beyond);
                    assertThat(m.completed()).isEqualTo(beyond);
                });
        assertThat(stats).filteredOn(m -> "model-0".equals(m.model())).singleElement()
                .satisfies(m -> assertThat(m.completed()).as("a kept model still counts apart").isEqualTo(2));
        assertThat(stats).filteredOn(m -> ("model-" + (ModelStats.MODELS_KEPT - 1)).equals(m.model())).hasSize(1);
        assertThat(stats).filteredOn(m -> ("model-" + ModelStats.MODELS_KEPT).equals(m.model())).isEmpty();
        assertThat(stats.stream().mapToLong(ModelStats::completed).sum()).isEqualTo(n + 1);
        assertThat(watched).hasSize(ModelStats.MODELS_KEPT + 1).contains(ModelStats.OTHER_MODELS);
    }

    @Test
    void hintsGivenInTheOptionsAreTheTrackersAndReachItsTasks() {
        StatusHints hints = StatusHints.local();
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid().hints(hints));
        assertThat(tracker.hints()).isSameAs(hints);
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("t", Family.VEO)), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(31))
                .assertNext(s -> assertThat(s.rawStatus()).isEqualTo("queued"))
                .then(() -> hints.offer(Family.VEO, new TaskStatus("t", TaskState.COMPLETED, "completed", null, null,
                        List.of(), null, null, null, Instant.EPOCH)))
                // a terminal hint is confirmed by a poll at once: the source's next answer (processing) is emitted
                .assertNext(s -> assertThat(s.rawStatus()).isEqualTo("processing"))
                .thenCancel().verify(WAIT);
        assertThat(calls).containsExactly("fetch@30000", "fetch@31000");
    }

    /** A store that records every write and completes at once, as a durable one would after its commit. */
    private static final class RecordingStore extends DurableStoreStub {
        final List<String> writes = new CopyOnWriteArrayList<>();
        @Nullable Tracked held;

        @Override
        public Mono<Tracked> started(Tracked task) {
            return Mono.fromSupplier(() -> {
                writes.add("started " + task.ref().id() + " " + task.ref().kind() + " " + task.ref().model()
                        + " deadline=" + task.deadline().toEpochMilli() + " firstDue=" + task.firstDue());
                return held != null ? held : task;
            });
        }

        @Override
        public Mono<Void> status(TaskRef task, TaskStatus status) {
            return Mono.fromRunnable(() -> writes.add("status " + task.id() + " " + status.rawStatus()));
        }

        @Override
        public Mono<Void> captured(TaskRef task, StoredFile file) {
            return Mono.fromRunnable(() -> writes.add("captured " + task.id() + " " + file.index()));
        }

        @Override
        public Mono<Void> ended(TaskRef task, Ending ending) {
            return Mono.fromRunnable(() -> writes.add("ended " + task.id() + " "
                    + (ending.status() != null ? ending.status().state() : ending.error())));
        }
    }
}
