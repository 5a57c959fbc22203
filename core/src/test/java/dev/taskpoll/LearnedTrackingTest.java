package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.cadence.CadenceOptions;
import dev.taskpoll.cadence.LearnedCadence;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The learned cadence inside the tracker, on virtual time: expected ends, the stall event, and {@code watch}'s first
 * poll at once. A status source answers {@code processing} until a task's completion time, {@code completed} after.
 */
class LearnedTrackingTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final Map<String, Long> doneAt = new ConcurrentHashMap<>();
    /** Tasks the source reports queued until then (then processing until {@link #doneAt}). */
    private final Map<String, Long> queuedUntil = new ConcurrentHashMap<>();
    private final List<String> polls = new CopyOnWriteArrayList<>();
    private TaskTracker tracker;

    private TaskTracker tracker(Cadence cadence) {
        tracker = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> {
            long now = vts.now(TimeUnit.MILLISECONDS);
            polls.add(id + "@" + now);
            boolean complete = now >= doneAt.getOrDefault(id, Long.MAX_VALUE);
            boolean queued = now < queuedUntil.getOrDefault(id, Long.MIN_VALUE);
            TaskState state = complete ? TaskState.COMPLETED : queued ? TaskState.QUEUED : TaskState.PROCESSING;
            return new TaskStatus(id, state, state.name().toLowerCase(java.util.Locale.ROOT), "veo_3_1_fast", null,
                    complete ? List.of("https://cdn.example/" + id + ".mp4") : List.of(), null, null, null,
                    Instant.ofEpochMilli(now));
        })), TrackerOptions.builder().scheduler(vts).phaseSpread(0).fleet(FleetOptions.disabled())
                .policy(Family.VEO, PollPolicy.of(Duration.ofSeconds(30), Duration.ofHours(2))).cadence(cadence)
                .build());
        return tracker;
    }

    @AfterEach
    void close() {
        if (tracker != null) {
            tracker.close();
        }
        vts.dispose();
    }

    private static LearnedCadence learned() {
        return LearnedCadence.create(CadenceOptions.builder().refitScheduler(null).build());
    }

    /** 300 tasks, one every 5 s, each completing 150-250 s after it starts. */
    private void teach(TaskTracker t) {
        for (int i = 0; i < 300; i++) {
            String id = "teach" + i;
            long start = i * 5_000L;
            doneAt.put(id, start + 150_000 + (i * 7919L % 100) * 1_000);
            vts.schedule(() -> t.track(TaskRef.of(id, Family.VEO, "veo_3_1_fast")).subscribe(), start,
                    TimeUnit.MILLISECONDS);
        }
        vts.advanceTimeBy(Duration.ofSeconds(300 * 5 + 600));
    }

    /**
     * A deadline (60 s) shorter than the model's early edge (the docs' 2-5 min for VEO): the learned first poll would
     * come after it, so it comes a second before it instead, and the timeout carries the status that poll saw.
     */
    @Test
    void aDeadlineBeforeTheModelsEarlyEdgeStillSeesAPollAndTheTimeoutCarriesItsStatus() {
        TaskTracker t = tracker(learned());
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        t.track(TaskRef.of("short", Family.VEO, "veo_3_1_fast")
                        .withPolicy(PollPolicy.of(Duration.ofSeconds(30), Duration.ofSeconds(60))))
                .subscribe(s -> { }, errors::add);
        // with a 2-hour deadline the same task's first poll waits for the early edge, well past 60 s
        t.track(TaskRef.of("long", Family.VEO, "veo_3_1_fast")).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(61));
        assertThat(polls).containsExactly("short@59000");
        assertThat(errors).singleElement().isInstanceOfSatisfying(TaskTimeoutException.class,
                e -> assertThat(e.lastStatus()).isNotNull().extracting(TaskStatus::state)
                        .isEqualTo(TaskState.PROCESSING));
    }

    @Test
    void aTrackedTaskHasAnExpectedEndThatTheLearnedModelGives() {
        TaskTracker t = tracker(learned());
        teach(t);
        assertThat(t.cadenceModels()).singleElement().satisfies(m -> {
            assertThat(m.observations()).isEqualTo(300);
            assertThat(m.median().toSeconds()).isBetween(190L, 210L);
        });
        TaskRef ref = TaskRef.of("now", Family.VEO, "veo_3_1_fast");
        doneAt.put("now", vts.now(TimeUnit.MILLISECONDS) + 200_000);
        t.track(ref).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(60));
        Cadence.Estimate e = t.expectedEnd(ref).orElseThrow();
        // learned U(150, 250) at 60 s in: about 140 s left, between about 100 and 180
        assertThat(e.median().toSeconds()).isBetween(130L, 150L);
        assertThat(e.low().toSeconds()).isBetween(90L, 120L);
        assertThat(e.high().toSeconds()).isBetween(160L, 190L);
        assertThat(t.expectedEnd(TaskRef.of("unknown", Family.VEO, "veo_3_1_fast"))).isEmpty();
    }

    @Test
    void aTaskPastItsModelsLearnedP999IsReportedStalledOnceAndTheDeadlineStillDecides() {
        TaskTracker t = tracker(learned());
        teach(t);
        List<TaskEvent> events = new CopyOnWriteArrayList<>();
        t.events().subscribe(events::add);
        List<TaskStatus> statuses = new CopyOnWriteArrayList<>();
        doneAt.put("slow", vts.now(TimeUnit.MILLISECONDS) + 1_200_000); // 20 min: far past 250 s
        t.track(TaskRef.of("slow", Family.VEO, "veo_3_1_fast")).subscribe(statuses::add);
        vts.advanceTimeBy(Duration.ofMinutes(25));
        List<TaskStalled> stalled = events.stream().filter(TaskStalled.class::isInstance).map(TaskStalled.class::cast)
                .toList();
        assertThat(stalled).singleElement().satisfies(s -> {
            assertThat(s.taskId()).isEqualTo("slow");
            assertThat(s.threshold().toSeconds()).isBetween(240L, 300L);
            assertThat(s.running()).isGreaterThan(s.threshold());
        });
        assertThat(statuses).last().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
        assertThat(t.modelStats()).singleElement().satisfies(m -> assertThat(m.stalled()).isEqualTo(1));
    }

    @Test
    void watchPollsAtOnceWhereTrackWaitsForTheCadence() {
        TaskTracker t = tracker(Cadence.fixedGrid(0, () -> 0));
        vts.advanceTimeBy(Duration.ofSeconds(100));
        long now = vts.now(TimeUnit.MILLISECONDS);
        doneAt.put("finished", 0L);
        doneAt.put("submitted", 0L);
        List<TaskStatus> watched = new CopyOnWriteArrayList<>();
        t.watch(TaskRef.of("finished", Family.VEO)).subscribe(watched::add);
        t.track(TaskRef.of("submitted", Family.VEO)).subscribe();
        vts.advanceTimeBy(Duration.ZERO);
        assertThat(watched).singleElement().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
        assertThat(polls).containsExactly("finished@" + now);
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(polls).containsExactly("finished@" + now, "submitted@" + (now + 30_000));
    }

    @Test
    void aTaskWithARequestShapeIsLearnedInItsShapesModel() {
        LearnedCadence c = learned();
        TaskTracker t = tracker(c);
        doneAt.put("shaped", 200_000L);
        doneAt.put("plain", 200_000L);
        t.track(TaskRef.of("shaped", Family.VEO, "veo_3_1_fast").withShape("resolution=1080p")).subscribe();
        t.track(TaskRef.of("plain", Family.VEO, "veo_3_1_fast")).subscribe();
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(c.models()).extracting(Cadence.Model::key, Cadence.Model::observations).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("VEO/veo_3_1_fast/resolution=1080p", 1L),
                org.assertj.core.groups.Tuple.tuple("VEO/veo_3_1_fast", 1L));
    }

    @Test
    void aWatchedTaskIsNotLearnedFrom() {
        LearnedCadence c = learned();
        TaskTracker t = tracker(c);
        doneAt.put("w", 0L);
        t.watch(TaskRef.of("w", Family.VEO, "veo_3_1_fast")).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(polls).hasSize(1);
        assertThat(c.models()).allSatisfy(m -> assertThat(m.observations()).isZero());
    }

    /**
     * The issue's speed-up rule with about 40 tasks of the model running at once: 800 tasks taking U(120, 300) s, one
     * every 5.25 s, then 200 taking U(40, 100) s (3x faster). Of the first 100 fast ones seen done, at most 15 are seen
     * more than a period after they completed. (Planned for the old model, they waited for a first poll at about
     * 150 s: 22 of 100 were late before the suspicion on a probe's early hit, scenario D.)
     */
    @Test
    void afterAThreeFoldSpeedUpAtMostFifteenOfTheNextHundredCompletionsAreSeenMoreThanAPeriodLate() {
        LearnedCadence c = learned();
        TaskTracker t = tracker(c);
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        List<Long> fastLags = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            boolean fast = i >= 800;
            String id = (fast ? "fast" : "slow") + i;
            long start = i * 5_250L;
            long completion = start + (long) ((fast ? 40 + r.nextDouble() * 60 : 120 + r.nextDouble() * 180) * 1000);
            doneAt.put(id, completion);
            vts.schedule(() -> t.track(TaskRef.of(id, Family.VEO, "veo_3_1_fast")).filter(TaskStatus::isTerminal)
                    .subscribe(s -> {
                        if (fast) {
                            fastLags.add(vts.now(TimeUnit.MILLISECONDS) - completion);
                        }
                    }), start, TimeUnit.MILLISECONDS);
        }
        vts.advanceTimeBy(Duration.ofSeconds(1_000 * 6 + 3_600));

        assertThat(fastLags).hasSize(200);
        assertThat(c.models()).singleElement().satisfies(m -> assertThat(m.drifts()).isPositive());
        long late = fastLags.subList(0, 100).stream().filter(lag -> lag > 30_000).count();
        assertThat(late).as("of the first 100 completions after the speed-up, seen more than 30 s late")
                .isLessThanOrEqualTo(15);
        assertThat(fastLags.subList(100, 200)).as("once relearned, none waits longer than the period")
                .allSatisfy(lag -> assertThat(lag).isLessThanOrEqualTo(30_000));
    }

    /**
     * A provider that queues: each task waits 0-600 s in the queue (reported {@code queued}), then takes 150-250 s.
     * Counted from the last poll that saw it queued, the model learns the generation's time, not the queue's; told
     * nothing of the queue (the same tasks reported {@code processing} throughout), it learns their sum, spread over
     * 150-850 s, and needs more polls for the same lag (measured: 6.0 polls per task at a mean lag of 15.6 s, against
     * 10.5 at 14.7 s).
     */
    @Test
    void theQueuesWaitIsNotLearnedAsPartOfTheGenerationTime() {
        double[] withQueue = queueing(true);
        double[] without = queueing(false);
        // from the last queued poll: 150-250 s of generation and what was left of the queue after that poll
        assertThat(withQueue[2]).as("learned median (s), counted from the queue's end").isBetween(170.0, 330.0);
        assertThat(without[2]).as("learned median (s), counted from the start").isGreaterThan(400.0);
        assertThat(withQueue[0]).as("polls per task of the last 200, with the queue seen")
                .isLessThan(without[0] * 0.7);
        assertThat(withQueue[1]).as("mean lag (s) of the last 200 tasks: no higher, within 1 s")
                .isLessThanOrEqualTo(without[1] + 1.0);
        // both runs relearn once, early: the docs' 2-5 min prior is shorter than what these tasks take either way
        assertThat(withQueue[3]).as("drifts: queue ends seen at different polls make no more of them")
                .isLessThanOrEqualTo(without[3]);
    }

    /** 600 queueing tasks, one every 5 s; polls per task and mean lag (s) of the last 200, and the learned median. */
    private double[] queueing(boolean reportQueued) {
        LearnedCadence c = learned();
        TaskTracker t = tracker(c);
        java.util.SplittableRandom r = new java.util.SplittableRandom(21);
        Map<String, Long> ended = new ConcurrentHashMap<>();
        long t0 = vts.now(TimeUnit.MILLISECONDS);
        for (int i = 0; i < 600; i++) {
            String id = (reportQueued ? "q" : "p") + i;
            long start = t0 + i * 5_000L;
            long queueEnd = start + (long) (r.nextDouble() * 600_000);
            long completion = queueEnd + 150_000 + (long) (r.nextDouble() * 100_000);
            if (reportQueued) {
                queuedUntil.put(id, queueEnd);
            }
            doneAt.put(id, completion);
            vts.schedule(() -> t.track(TaskRef.of(id, Family.VEO, "veo_3_1_fast")).filter(TaskStatus::isTerminal)
                    .subscribe(s -> ended.put(id, vts.now(TimeUnit.MILLISECONDS) - completion)), start - t0,
                    TimeUnit.MILLISECONDS);
        }
        vts.advanceTimeBy(Duration.ofSeconds(600 * 5 + 3_600));
        assertThat(ended).hasSize(600);
        double polls = 0;
        double lag = 0;
        for (int i = 400; i < 600; i++) {
            String id = (reportQueued ? "q" : "p") + i;
            polls += this.polls.stream().filter(p -> p.startsWith(id + "@")).count();
            lag += ended.get(id) / 1000.0;
        }
        double median = c.models().get(0).median().toMillis() / 1000.0;
        double drifts = c.models().get(0).drifts();
        tracker.close();
        tracker = null;
        return new double[] {polls / 200, lag / 200, median, drifts};
    }
}
