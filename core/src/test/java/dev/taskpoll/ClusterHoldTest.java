package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.StatusSource;
import dev.taskpoll.spi.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The tracker with a cluster store (one that holds tasks by lease and may refuse a write for a lost lease), on virtual
 * time: what a refusal that arrives late, or a store that cannot answer for a while, does to a task held here.
 */
class ClusterHoldTest {

    private static final PollPolicy POLICY = PollPolicy.of(Duration.ofSeconds(10), Duration.ofSeconds(60));
    private static final TaskRef REF = TaskRef.of("t1", Family.VEO, "veo_3_1_fast").withPolicy(POLICY);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final ClusterStore store = new ClusterStore();
    private @Nullable TaskTracker tracker;

    @AfterEach
    void close() {
        if (tracker != null) {
            tracker.close();
        }
        vts.dispose();
    }

    /** Answers {@code raw} to every poll from {@code from} on (ms), "processing" before. */
    private StatusSource answering(String raw, long from) {
        return id -> Mono.fromSupplier(() -> {
            long now = vts.now(TimeUnit.MILLISECONDS);
            String r = now >= from ? raw : "processing";
            calls.add("fetch@" + now);
            return new TaskStatus(id, TaskState.fromRaw(r), r, null, null,
                    r.equals("completed") ? List.of("https://cdn.example/" + id + ".mp4") : List.of(), null, null,
                    null, Instant.ofEpochMilli(now));
        });
    }

    private TaskTracker tracker(StatusSource source) {
        return tracker(source, FleetOptions.disabled());
    }

    private TaskTracker tracker(StatusSource source, FleetOptions fleet) {
        tracker = TaskTracker.create(Map.of(Dialect.OPC, source), TrackerOptions.builder().scheduler(vts)
                .random(() -> 0.5).phaseSpread(0).fleet(fleet).cadence(Cadence.fixedGrid(0, () -> 0.5))
                .store(store).build());
        return tracker;
    }

    private long fetches() {
        return calls.stream().filter(c -> c.startsWith("fetch@")).count();
    }

    /** Tracks REF until its first poll ("processing"), whose write waits for the store. */
    private void firstWriteWaiting() {
        tracker(answering("processing", 0)).track(REF).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(fetches()).isEqualTo(1);
    }

    @Test
    void aRefusalOfAnEarlierHoldDoesNotReleaseTheTaskTakenBackSince() {
        firstWriteWaiting();
        assertThat(store.pending).hasSize(1);
        store.released.emitNext(REF, Sinks.EmitFailureHandler.FAIL_FAST); // the lease was lost...
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(60_000),
                vts.now(TimeUnit.MILLISECONDS) + 1_000, null), Sinks.EmitFailureHandler.FAIL_FAST); // ...and taken back
        // the write issued under the first hold is refused now, naming that hold
        store.pending.get(0).emitError(new LeaseLostException("LEASELOST a|5", "t1"),
                Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(40));
        assertThat(fetches()).as("polled under the new hold: " + calls).isGreaterThanOrEqualTo(4);
    }

    @Test
    void aRefusalOfTheCurrentHoldStillReleasesTheTask() {
        firstWriteWaiting();
        store.pending.get(0).emitError(new LeaseLostException("LEASELOST a|5", "t1"),
                Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(40));
        assertThat(fetches()).as("followed from the refusal on: " + calls).isEqualTo(1);
    }

    @Test
    void aTaskCompletedBeforeItsDeadlineWaitsForTheStoresConfirmationAndIsCaptured() {
        TaskTracker t = tracker(answering("completed", 50_000));
        store.answerStatusWrites = true;
        Sinks.One<Void> confirmation = Sinks.one();
        store.confirmation = confirmation.asMono();
        List<String> captured = new CopyOnWriteArrayList<>();
        t.engine().results((ref, status) -> Flux.<TaskEvent>empty().doOnComplete(() -> captured.add(ref.id())));
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        List<Throwable> failed = new CopyOnWriteArrayList<>();
        t.track(REF).subscribe(seen::add, failed::add);
        vts.advanceTimeBy(Duration.ofSeconds(50)); // completed at the poll at 50 s; the store cannot answer yet
        assertThat(fetches()).isEqualTo(5);
        vts.advanceTimeBy(Duration.ofSeconds(20)); // past the deadline (60 s)
        assertThat(failed).as("not timed out while the store confirms").isEmpty();
        assertThat(fetches()).as("no poll while the end is confirmed").isEqualTo(5);
        confirmation.emitEmpty(Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(failed).isEmpty();
        assertThat(captured).containsExactly("t1");
        assertThat(seen).last().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
        assertThat(store.ended).containsExactly("t1 COMPLETED");
    }

    /**
     * A completed status is recorded before its capture runs (a restart meanwhile captures from the record without
     * another poll), and the end after it.
     */
    @Test
    void aCompletedStatusIsRecordedBeforeItsCaptureAndTheEndAfter() {
        TaskTracker t = tracker(answering("completed", 20_000));
        store.answerStatusWrites = true;
        t.engine().results((ref, status) -> Flux.<TaskEvent>empty().doOnSubscribe(x -> store.log.add("capture")));
        t.track(REF).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(store.log).containsExactly("status processing", "status completed", "capture", "ended");
    }

    /**
     * A follower (another instance holds the task) does not end on a completed status its holder recorded before the
     * capture, only on the end: its subscribers' stream completes once the results are stored.
     */
    @Test
    void aFollowerEndsOnTheHoldersEndNotOnItsCompletedStatus() {
        store.holdsHere = false;
        TaskTracker t = tracker(answering("processing", 0));
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean completed = new java.util.concurrent.atomic.AtomicBoolean();
        t.track(REF).subscribe(seen::add, e -> { }, () -> completed.set(true));
        vts.advanceTimeBy(Duration.ofSeconds(1));
        TaskStatus done = new TaskStatus("t1", TaskState.COMPLETED, "completed", null, null,
                List.of("https://cdn.example/t1.mp4"), null, null, null, Instant.ofEpochMilli(1_000));
        store.changes.emitNext(new TaskStore.Change(REF, done, false, null), Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(completed).as("not before the holder's end").isFalse();
        store.changes.emitNext(new TaskStore.Change(REF, done, true, null), Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(completed).isTrue();
        assertThat(seen).last().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
        assertThat(fetches()).as("a follower never polls").isZero();
    }

    /**
     * A completed status refused for a lost lease: the new holder captures, not this instance, and this one records
     * nothing more of it. It used to record the end ("not captured here"): a store fences each write with the hold
     * it has when the write is made, so when this very instance had taken the shard back meanwhile (after a Redis
     * outage every instance races for every shard) that end passed the fence, the new hold found the task ended, and
     * nobody captured its results (a review of cluster mode). The status still goes to this task's subscribers and to
     * this instance's feed (so, when this very instance took the shard back, the feed has it twice).
     */
    @Test
    void aCompletedStatusRefusedForALostLeaseIsNotCapturedHere() {
        TaskTracker t = tracker(answering("completed", 20_000));
        store.answerStatusWrites = true;
        store.refuseCompleted = true;
        t.engine().results((ref, status) -> Flux.<TaskEvent>empty().doOnSubscribe(x -> store.log.add("capture")));
        java.util.concurrent.atomic.AtomicBoolean completed = new java.util.concurrent.atomic.AtomicBoolean();
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        t.track(REF).subscribe(seen::add, e -> { }, () -> completed.set(true));
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(seen).last().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
        assertThat(store.log).as("no end recorded by this instance").containsExactly("status processing");
        assertThat(store.ended).isEmpty();
        assertThat(completed).as("this instance's subscribers still see the end").isTrue();
    }

    /** A follower of a task whose record is terminal reads the record at once: ended there, it ends here too. */
    @Test
    void aFollowerOfAnEndedTaskEndsAtOnce() {
        store.holdsHere = false;
        TaskStatus done = new TaskStatus("t1", TaskState.COMPLETED, "completed", null, null,
                List.of("https://cdn.example/t1.mp4"), null, null, null, Instant.EPOCH);
        store.record = new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(60_000), 10_000, done);
        store.recordRead = new TaskRecord("t1", Family.VEO, "veo_3_1_fast", TaskRecord.Phase.ENDED, done,
                Instant.EPOCH, Instant.EPOCH, null, List.of(), List.of(done), 0, null);
        TaskTracker t = tracker(answering("processing", 0));
        java.util.concurrent.atomic.AtomicBoolean completed = new java.util.concurrent.atomic.AtomicBoolean();
        t.track(REF).subscribe(x -> { }, e -> { }, () -> completed.set(true));
        vts.advanceTimeBy(Duration.ofMillis(10)); // less than a re-read of followers (5 s)
        assertThat(completed).isTrue();
        assertThat(fetches()).isZero();
    }

    /**
     * A task resumed past its deadline (a restart, a takeover: nobody polled it while the deadline passed) is polled
     * once, at its next planned poll, before it times out: one that completed meanwhile ends completed.
     */
    @Test
    void aTaskResumedPastItsDeadlineIsPolledOnceBeforeItTimesOut() {
        TaskTracker t = tracker(answering("completed", 100_000));
        store.answerStatusWrites = true;
        List<TaskEvent> events = new CopyOnWriteArrayList<>();
        t.events().subscribe(events::add);
        vts.advanceTimeBy(Duration.ofSeconds(120));
        TaskStatus running = new TaskStatus("t1", TaskState.PROCESSING, "processing", null, null, List.of(), null,
                null, null, Instant.EPOCH);
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(60_000), 10_000, running),
                Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(9));
        assertThat(fetches()).as("the look waits for the task's next grid point (130 s), as resumed tasks do").isZero();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(fetches()).isEqualTo(1);
        assertThat(events).filteredOn(e -> e instanceof TaskStatus).extracting(e -> ((TaskStatus) e).state())
                .containsExactly(TaskState.COMPLETED);
        assertThat(store.ended).containsExactly("t1 COMPLETED");
    }

    /** ...and one still running ends with its timeout after that one poll. */
    @Test
    void aTaskResumedPastItsDeadlineAndStillRunningTimesOutAfterOnePoll() {
        TaskTracker t = tracker(answering("processing", 0));
        store.answerStatusWrites = true;
        List<TaskEvent> events = new CopyOnWriteArrayList<>();
        t.events().subscribe(events::add);
        vts.advanceTimeBy(Duration.ofSeconds(120));
        TaskStatus queued = new TaskStatus("t1", TaskState.QUEUED, "queued", null, null, List.of(), null, null, null,
                Instant.EPOCH);
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(60_000), 10_000, queued),
                Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(fetches()).isEqualTo(1);
        assertThat(events).filteredOn(e -> e instanceof TrackingFailed).singleElement()
                .satisfies(e -> assertThat(((TrackingFailed) e).failure()).isInstanceOf(TaskTimeoutException.class));
        assertThat(store.ended).singleElement().asString().startsWith("t1 TaskTimeoutException");
    }

    /**
     * ...and one whose look is answered 429 again and again (each with a Retry-After: retries no count bounds) times
     * out all the same, 10 minutes after the look started (it stayed open for as long as the 429s came).
     */
    @Test
    void aLastLookAnsweredWith429AgainAndAgainTimesOutAllTheSame() {
        StatusSource throttled = id -> Mono.defer(() -> {
            calls.add("fetch@" + vts.now(TimeUnit.MILLISECONDS));
            return Mono.error(new ApiStatusException(id, 429, "60", null));
        });
        TaskTracker t = tracker(throttled);
        store.answerStatusWrites = true;
        List<TaskEvent> events = new CopyOnWriteArrayList<>();
        t.events().subscribe(events::add);
        vts.advanceTimeBy(Duration.ofSeconds(120));
        TaskStatus queued = new TaskStatus("t1", TaskState.QUEUED, "queued", null, null, List.of(), null, null, null,
                Instant.EPOCH);
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(60_000), 10_000, queued),
                Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofMinutes(11));
        assertThat(fetches()).as("the look and its retries, a minute apart").isBetween(5L, 12L);
        assertThat(events).filteredOn(e -> e instanceof TrackingFailed).singleElement()
                .satisfies(e -> assertThat(((TrackingFailed) e).failure()).isInstanceOf(TaskTimeoutException.class));
        assertThat(t.activeTasks()).isZero();
        long after = fetches();
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(fetches()).as("nothing after the timeout").isEqualTo(after);
    }

    /**
     * A process paused past its lease wakes with its polls overdue, and they may fire before its lease check releases
     * the shard: a request the store may not send now ({@link TaskStore#mayPoll}: the lease's local validity passed)
     * waits, goes once the lease is renewed, and never goes once the task is released meanwhile. With the fleet
     * budget, too: its check comes after the wait for a permit. (FailoverIT's paused worker polled beside the new
     * holder of its tasks once: the simulator saw two status queries of one task in flight at once.)
     */
    @ParameterizedTest(name = "budgeted: {0}")
    @ValueSource(booleans = {false, true})
    void aPollTheStoreMayNotSendNowWaitsUntilItMayAndNeverGoesOnceReleased(boolean budgeted) {
        store.answerStatusWrites = true;
        List<TaskEvent> events = new CopyOnWriteArrayList<>();
        TaskTracker t = tracker(answering("processing", 0), budgeted ? FleetOptions.defaults()
                : FleetOptions.disabled());
        t.events().subscribe(events::add);
        t.track(REF).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(fetches()).isEqualTo(1);
        store.mayPoll = false; // the lease's validity passed here; no renewal heard of yet
        vts.advanceTimeBy(Duration.ofSeconds(15)); // the poll due at 20 s waits, asked again every 500 ms
        assertThat(fetches()).as("nothing sent while the store may not poll: " + calls).isEqualTo(1);
        store.mayPoll = true; // the renewal is answered after all
        vts.advanceTimeBy(Duration.ofMillis(500));
        assertThat(calls).as("sent at the next check").containsExactly("fetch@10000", "fetch@25500");
        vts.advanceTimeBy(Duration.ofMillis(4_500));
        assertThat(fetches()).as("and the grid goes on (30 s)").isEqualTo(3);
        store.mayPoll = false;
        vts.advanceTimeBy(Duration.ofSeconds(10)); // the poll due at 40 s waits
        store.released.emitNext(REF, Sinks.EmitFailureHandler.FAIL_FAST); // the lease was lost: released
        store.mayPoll = true;
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(fetches()).as("released while waiting: never sent here " + calls).isEqualTo(3);
        assertThat(events).as("a wait is no failure and no retry").noneMatch(e -> e instanceof TrackingFailed
                || e instanceof PollRetrying);
        assertThat(t.stats().inFlight()).as("no permit of the budget kept").isZero();
    }

    /**
     * A deadline that comes while the store may not poll the task (a process woken from a pause past its lease, its
     * lease check not yet run) ends nothing: the task's holder calls it. Once the store may act again, it times out.
     */
    @Test
    void aDeadlineWhileTheStoreMayNotPollWaitsForTheLeaseCheck() {
        store.answerStatusWrites = true;
        TaskTracker t = tracker(answering("processing", 0));
        List<TaskEvent> events = new CopyOnWriteArrayList<>();
        t.events().subscribe(events::add);
        t.track(REF).subscribe(x -> { }, e -> { });
        vts.advanceTimeBy(Duration.ofSeconds(50));
        assertThat(fetches()).isEqualTo(5);
        store.mayPoll = false;
        vts.advanceTimeBy(Duration.ofSeconds(20)); // past the deadline (60 s)
        assertThat(events).as("no timeout while the store may not act").noneMatch(e -> e instanceof TrackingFailed);
        assertThat(store.ended).isEmpty();
        store.mayPoll = true;
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(store.ended).singleElement().asString().startsWith("t1 TaskTimeoutException");
        assertThat(fetches()).as("no poll past the deadline: " + calls).isEqualTo(5);
    }

    /** ...and one whose shard is not held here at all makes the loop follow the task, as a poll would. */
    @Test
    void aDeadlineOfATaskWhoseShardIsNotHeldHereMakesItsLoopFollow() {
        store.answerStatusWrites = true;
        TaskTracker t = tracker(answering("processing", 0));
        t.track(REF).subscribe(x -> { }, e -> { });
        vts.advanceTimeBy(Duration.ofSeconds(55));
        store.mayPoll = false;
        store.holdsHere = false;
        vts.advanceTimeBy(Duration.ofSeconds(10)); // the deadline (60 s) finds it so
        store.mayPoll = true;
        store.holdsHere = true;
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(store.ended).as("followed: its holder ends it").isEmpty();
        assertThat(fetches()).isEqualTo(5);
    }

    /**
     * A callback's hint reaching a follower starts no poll (its holder polls and records), and a poll a follower began
     * all the same (a release that raced it) does not keep the task from being polled once the store hands it back.
     */
    @Test
    void aFollowerPollsNothingOnAHintAndIsPolledAgainOnceHandedBack() {
        store.answerStatusWrites = true;
        TaskTracker t = tracker(answering("processing", 0));
        t.track(REF).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(fetches()).isEqualTo(1);
        store.released.emitNext(REF, Sinks.EmitFailureHandler.FAIL_FAST); // followed from now
        TaskStatus done = new TaskStatus("t1", TaskState.COMPLETED, "completed", null, null,
                List.of("https://cdn.example/t1.mp4"), null, null, null, Instant.ofEpochMilli(11_000));
        t.engine().hint(Family.VEO, done); // a terminal hint asks a holder for a confirming poll at once
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(fetches()).as("a follower polls nothing: " + calls).isEqualTo(1);
        TaskStatus running = new TaskStatus("t1", TaskState.PROCESSING, "processing", null, null, List.of(), null,
                null, null, Instant.EPOCH);
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(600_000),
                vts.now(TimeUnit.MILLISECONDS) + 1_000, running), Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(21));
        assertThat(fetches()).as("polled again once handed back: " + calls).isEqualTo(4);
    }

    /**
     * A loop whose task's shard is not held here at all when its poll comes (a release it missed) follows the task from
     * then on, and is tracked here again only when the store hands the task back (the next adoption, from its record).
     */
    @Test
    void aPollOfATaskWhoseShardIsNotHeldHereMakesItsLoopFollowUntilTheStoreHandsItBack() {
        store.answerStatusWrites = true;
        tracker(answering("processing", 0)).track(REF).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(fetches()).isEqualTo(1);
        store.mayPoll = false;
        store.holdsHere = false; // released in the store, and the loop never heard of it
        vts.advanceTimeBy(Duration.ofSeconds(10)); // the poll at 20 s finds it so
        store.mayPoll = true;
        store.holdsHere = true; // the shard taken here again: only the adoption of the task tracks it here again
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(fetches()).as("following, not polling: " + calls).isEqualTo(1);
        TaskStatus running = new TaskStatus("t1", TaskState.PROCESSING, "processing", null, null, List.of(), null,
                null, null, Instant.EPOCH);
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(600_000),
                vts.now(TimeUnit.MILLISECONDS) + 1_000, running), Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(fetches()).as("tracked again from its record: " + calls).isEqualTo(2);
    }

    /**
     * An answer already on its way when its poll was dropped (the shard released here, then handed back) is dropped
     * too: it does not free the place of the poll the hand-back started, so no request of this instance goes out
     * beside that one (before, the stale answer let a callback's hint send a third while the second was in flight).
     */
    @Test
    void anAnswerToADroppedPollDoesNotFreeThePlaceOfTheNextPoll() {
        store.answerStatusWrites = true;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        // answers 15 s after the request, even when cancelled meanwhile (an answer already on its way)
        StatusSource slow = id -> new Mono<TaskStatus>() {
            @Override
            public void subscribe(CoreSubscriber<? super TaskStatus> s) {
                calls.add("fetch@" + vts.now(TimeUnit.MILLISECONDS));
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                s.onSubscribe(Operators.emptySubscription());
                vts.schedule(() -> {
                    inFlight.decrementAndGet();
                    s.onNext(new TaskStatus(id, TaskState.PROCESSING, "processing", null, null, List.of(), null, null,
                            null, Instant.ofEpochMilli(vts.now(TimeUnit.MILLISECONDS))));
                    s.onComplete();
                }, 15, TimeUnit.SECONDS);
            }
        };
        TaskTracker t = tracker(slow);
        t.track(REF).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(12)); // the first poll went at 10 s; its answer comes at 25 s
        store.released.emitNext(REF, Sinks.EmitFailureHandler.FAIL_FAST); // its poll dropped
        vts.advanceTimeBy(Duration.ofSeconds(1));
        TaskStatus running = new TaskStatus("t1", TaskState.PROCESSING, "processing", null, null, List.of(), null,
                null, null, Instant.EPOCH);
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(600_000),
                vts.now(TimeUnit.MILLISECONDS) + 500, running), Sinks.EmitFailureHandler.FAIL_FAST);
        vts.advanceTimeBy(Duration.ofSeconds(13)); // handed back: polled at 13.5 s, answered at 28.5 s; at 26 s now
        assertThat(fetches()).as(calls.toString()).isEqualTo(2);
        TaskStatus done = new TaskStatus("t1", TaskState.COMPLETED, "completed", null, null,
                List.of("https://cdn.example/t1.mp4"), null, null, null, Instant.ofEpochMilli(26_000));
        t.engine().hint(Family.VEO, done); // asks for a confirming poll at once, unless one is in flight
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(fetches()).as("no request beside the one in flight since 13.5 s: " + calls).isEqualTo(2);
        assertThat(most).as("the dropped poll's request (never cancelled on the wire) and the next").hasValue(2);
    }

    /**
     * An adoption that reaches the tracker after its shard was given back (adoptions and releases are two streams: a
     * shard taken and given back while the tracker started reached it release first) starts nothing: the shard's
     * holder tracks the task.
     */
    @Test
    void aTaskAdoptedAfterItsShardWasGivenBackIsNotTrackedHere() {
        store.answerStatusWrites = true;
        TaskTracker t = tracker(answering("processing", 0));
        store.holdsHere = false;
        TaskStatus queued = new TaskStatus("t1", TaskState.QUEUED, "queued", null, null, List.of(), null, null, null,
                Instant.EPOCH);
        store.open.emitNext(new TaskStore.Tracked(REF, Instant.EPOCH, Instant.ofEpochMilli(600_000), 10_000, queued),
                Sinks.EmitFailureHandler.FAIL_FAST);
        store.holdsHere = true; // (holds() now says nothing of what the adoption above found)
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(fetches()).isZero();
        assertThat(t.engine().activeTasks()).isZero();
    }

    /** Holds every task by lease; status writes wait until the test answers them (a Redis outage) unless told. */
    private static final class ClusterStore extends DurableStoreStub {
        final Sinks.Many<TaskRef> released = Sinks.many().multicast().directBestEffort();
        final Sinks.Many<Tracked> open = Sinks.many().multicast().directBestEffort();
        final List<Sinks.One<Void>> pending = new CopyOnWriteArrayList<>();
        final Sinks.Many<Change> changes = Sinks.many().multicast().directBestEffort();
        final List<String> ended = new CopyOnWriteArrayList<>();
        /** Every write and capture, in order, when status writes are answered at once. */
        final List<String> log = new CopyOnWriteArrayList<>();
        boolean answerStatusWrites;
        boolean holdsHere = true;
        /** What {@link #mayPoll} answers (a lease whose local validity passed: false). */
        boolean mayPoll = true;
        /** A completed status refused as written under a lost lease (another instance holds the task now). */
        boolean refuseCompleted;
        @Nullable Tracked record;
        @Nullable TaskRecord recordRead;
        Mono<Void> confirmation = Mono.empty();

        @Override
        public Mono<Tracked> started(Tracked task) {
            return Mono.just(record != null ? record : task);
        }

        @Override
        public Mono<Void> status(TaskRef task, TaskStatus status) {
            if (refuseCompleted && status.state() == TaskState.COMPLETED) {
                return Mono.error(new LeaseLostException("task store: the lease moved on (LEASELOST b|7)",
                        task.id()));
            }
            if (answerStatusWrites) {
                return Mono.fromRunnable(() -> log.add("status " + status.rawStatus()));
            }
            Sinks.One<Void> write = Sinks.one();
            pending.add(write);
            return write.asMono();
        }

        @Override
        public Mono<Void> confirm(TaskRef task) {
            return confirmation;
        }

        @Override
        public Mono<Void> ended(TaskRef task, Ending ending) {
            return Mono.fromRunnable(() -> {
                ended.add(task.id() + " " + (ending.status() != null ? ending.status().state() : ending.error())
                        + (ending.status() != null && ending.error() != null ? " " + ending.error() : ""));
                log.add("ended");
            });
        }

        @Override
        public Flux<Tracked> open() {
            return open.asFlux();
        }

        @Override
        public Flux<TaskRef> released() {
            return released.asFlux();
        }

        @Override
        public Flux<Change> changes() {
            return changes.asFlux();
        }

        @Override
        public boolean holds(TaskRef task) {
            return holdsHere;
        }

        @Override
        public boolean mayPoll(TaskRef task) {
            return mayPoll;
        }

        @Override
        public Mono<TaskRecord> task(String id) {
            return Mono.justOrEmpty(recordRead);
        }

    }
}
