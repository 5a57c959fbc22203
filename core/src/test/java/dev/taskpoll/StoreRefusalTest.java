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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A write the durable store refuses (a full disk for a moment) ends the task's tracking here with the store's error,
 * on its stream and on the event feed, and the task, still open in the store, is tracked again from its record after
 * a back-off: a long-running worker ({@code taskpoll run}) picks it up once the store recovers. Before, it was dropped
 * until the next start, with nothing on the feed (a review), so {@code run --until-idle} waited for it for ever.
 */
class StoreRefusalTest {

    private static final PollPolicy POLICY = PollPolicy.of(Duration.ofSeconds(10), Duration.ofMinutes(10));
    private static final TaskRef REF = TaskRef.of("t1", Family.VEO, "veo_3_1_fast").withPolicy(POLICY);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final List<String> writes = new CopyOnWriteArrayList<>();
    private long completeAt = 100_000;
    private TaskTracker tracker;

    @AfterEach
    void close() {
        if (tracker != null) {
            tracker.close();
        }
        vts.dispose();
    }

    /** "processing" until {@link #completeAt} (ms), "completed" after. */
    private StatusSource source() {
        return id -> Mono.fromSupplier(() -> {
            long now = vts.now(TimeUnit.MILLISECONDS);
            String raw = now >= completeAt ? "completed" : "processing";
            return new TaskStatus(id, TaskState.fromRaw(raw), raw, null, null,
                    raw.equals("completed") ? List.of("https://cdn.example/" + id + ".mp4") : List.of(), null, null,
                    null, Instant.ofEpochMilli(now));
        });
    }

    /** A tracker on {@code store} (the fixed grid of 10 s): its event feed, as it fills. */
    private List<TaskEvent> tracking(TaskStore store) {
        tracker = TaskTracker.create(Map.of(Dialect.OPC, source()), TrackerOptions.builder().scheduler(vts)
                .random(() -> 0.5).phaseSpread(0).fleet(FleetOptions.disabled())
                .cadence(Cadence.fixedGrid(0, () -> 0.5)).store(store).build());
        List<TaskEvent> feed = new CopyOnWriteArrayList<>();
        tracker.engine().events().subscribe(feed::add);
        return feed;
    }

    @Test
    void aRefusedWriteEndsTrackingHereAndTheTaskIsTrackedAgainFromItsRecord() {
        AtomicInteger refusals = new AtomicInteger(2); // the status write, then the first attempt to track it again
        AtomicReference<TaskStore.Tracked> record = new AtomicReference<>();
        DurableStoreStub store = new DurableStoreStub() {
            @Override
            public Mono<TaskStore.Tracked> started(TaskStore.Tracked task) {
                if (record.get() != null && refusals.getAndDecrement() > 0) {
                    writes.add("started refused");
                    return Mono.error(new TaskStoreException("task store /x/tasks.db: the disk is full"));
                }
                record.compareAndSet(null, task); // an existing record wins
                writes.add("started");
                return Mono.just(record.get());
            }

            @Override
            public Mono<Void> status(TaskRef task, TaskStatus status) {
                if (refusals.get() == 2) {
                    refusals.decrementAndGet();
                    writes.add("status refused");
                    return Mono.error(new TaskStoreException("task store /x/tasks.db: the disk is full"));
                }
                writes.add("status " + status.state());
                return Mono.empty();
            }

            @Override
            public Mono<Void> ended(TaskRef task, Ending ending) {
                writes.add("ended " + (ending.status() != null ? ending.status().state() : ending.error()));
                return Mono.empty();
            }
        };
        List<TaskEvent> feed = tracking(store);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        tracker.track(REF).subscribe(s -> { }, failed::set);

        vts.advanceTimeBy(Duration.ofSeconds(10)); // the first poll: "processing", whose write is refused
        assertThat(failed.get()).isInstanceOf(TaskStoreException.class).hasMessageContaining("the disk is full");
        assertThat(feed).singleElement().isInstanceOfSatisfying(TrackingFailed.class,
                f -> assertThat(f.failure()).isInstanceOf(TaskStoreException.class));
        assertThat(tracker.activeTasks()).isZero();

        vts.advanceTimeBy(Duration.ofSeconds(30)); // tried again: still refused; then again 60 s later
        assertThat(writes).containsExactly("started", "status refused", "started refused");
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(tracker.activeTasks()).as("tracked again from its record").isOne();

        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(writes).endsWith("ended COMPLETED");
        assertThat(feed).last().isInstanceOfSatisfying(TaskStatus.class,
                s -> assertThat(s.state()).isEqualTo(TaskState.COMPLETED));
        assertThat(tracker.activeTasks()).isZero();
    }

    /**
     * A refused end: the status is emitted all the same, the feed says the end was not recorded, and the end is
     * written again after a back-off; before, the task stayed open in the store until the next start.
     */
    @Test
    void aRefusedEndIsWrittenAgainLater() {
        AtomicInteger refusals = new AtomicInteger(1);
        DurableStoreStub store = new DurableStoreStub() {
            @Override
            public Mono<Void> ended(TaskRef task, Ending ending) {
                if (refusals.getAndDecrement() > 0) {
                    writes.add("ended refused");
                    return Mono.error(new TaskStoreException("task store /x/tasks.db: the disk is full"));
                }
                writes.add("ended " + ending.status().state());
                return Mono.empty();
            }
        };
        List<TaskEvent> feed = tracking(store);
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        tracker.track(REF).subscribe(seen::add);
        vts.advanceTimeBy(Duration.ofSeconds(100)); // completed at the poll at 100 s; its end refused
        assertThat(seen).last().extracting(TaskStatus::state).isEqualTo(TaskState.COMPLETED);
        assertThat(feed).last().isInstanceOfSatisfying(TrackingFailed.class, f -> assertThat(f.failure())
                .hasMessageContaining("its end was not recorded").hasMessageContaining("the disk is full"));
        assertThat(writes).containsExactly("ended refused");
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(writes).containsExactly("ended refused", "ended COMPLETED");
    }

    /**
     * A record that ended while the task waited to be tracked again (a subscriber tracked it again and it ended, or
     * another instance ended it) is left alone: taken up, its completed status would be captured and emitted again.
     */
    @Test
    void aRecordThatEndedMeanwhileIsNotTakenUpAgain() {
        AtomicReference<TaskRecord> record = new AtomicReference<>();
        AtomicInteger refusals = new AtomicInteger(1);
        DurableStoreStub store = new DurableStoreStub() {
            @Override
            public Mono<TaskStore.Tracked> started(TaskStore.Tracked task) {
                writes.add("started");
                return Mono.just(task);
            }

            @Override
            public Mono<Void> status(TaskRef task, TaskStatus status) {
                if (refusals.getAndDecrement() > 0) {
                    return Mono.error(new TaskStoreException("task store /x/tasks.db: the disk is full"));
                }
                return Mono.empty();
            }

            @Override
            public Mono<TaskRecord> task(String id) {
                return Mono.justOrEmpty(record.get());
            }
        };
        List<TaskEvent> feed = tracking(store);
        tracker.track(REF).subscribe(s -> { }, e -> { });
        vts.advanceTimeBy(Duration.ofSeconds(10)); // refused: tried again in 30 s
        TaskStatus done = new TaskStatus("t1", TaskState.COMPLETED, "completed", null, null,
                List.of("https://cdn.example/t1.mp4"), null, null, null, Instant.ofEpochMilli(20_000));
        record.set(new TaskRecord("t1", Family.VEO, "veo_3_1_fast", TaskRecord.Phase.ENDED, done, Instant.EPOCH,
                Instant.ofEpochMilli(20_000), null, List.of(), List.of(done), 0, null)); // ended meanwhile
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(writes).as("not taken up again").containsExactly("started");
        assertThat(tracker.activeTasks()).isZero();
        assertThat(feed).singleElement().isInstanceOf(TrackingFailed.class);
    }

    /**
     * A status write refused after the task ended (queued before its end, refused after it) is no end: nothing on
     * the feed says the end was not recorded, nothing is written again, and the old status is not emitted after the
     * end (it was, and it was written again after the end, where it became the record's last status).
     */
    @Test
    void aStatusWriteRefusedAfterTheEndIsDropped() {
        DurableStoreStub store = new DurableStoreStub() {
            @Override
            public Mono<Void> status(TaskRef task, TaskStatus status) {
                writes.add("status " + status.state());
                return status.state() == TaskState.PROCESSING // refused long after: a store stalled, then failing
                        ? Mono.<Void>error(new TaskStoreException("task store /x/tasks.db: the disk is full"))
                                .delaySubscription(Duration.ofSeconds(120), vts)
                        : Mono.empty();
            }

            @Override
            public Mono<Void> ended(TaskRef task, Ending ending) {
                writes.add("ended " + ending.status().state());
                return Mono.empty();
            }
        };
        List<TaskEvent> feed = tracking(store);
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        tracker.track(REF).subscribe(seen::add, e -> { });
        vts.advanceTimeBy(Duration.ofSeconds(300));
        assertThat(seen).extracting(TaskStatus::state).containsExactly(TaskState.COMPLETED);
        assertThat(feed).noneMatch(e -> e instanceof TrackingFailed);
        assertThat(writes).containsExactly("status PROCESSING", "ended COMPLETED");
    }

    /**
     * A subscriber that tracks the task again after the refusal (a retry) makes the pending retry needless: the task is
     * captured once and emitted complete once. Before, the retry fired while the new loop's capture ran (its loop
     * finished, the record still open), took the record up, polled it and captured it again (a review).
     */
    @Test
    void aTaskTrackedAgainByASubscriberIsNotTakenUpASecondTime() {
        completeAt = 20_000; // the first loop sees "processing" at 10 s; the loop tracking it again, "completed" at 20 s
        AtomicInteger refusals = new AtomicInteger(1);
        DurableStoreStub store = new DurableStoreStub() {
            @Override
            public Mono<Void> status(TaskRef task, TaskStatus status) {
                if (refusals.getAndDecrement() > 0) {
                    return Mono.error(new TaskStoreException("task store /x/tasks.db: the disk is full"));
                }
                return Mono.empty();
            }
        };
        List<TaskEvent> feed = tracking(store);
        AtomicInteger captures = new AtomicInteger();
        // a capture of 60 s: the retry (due at 40 s) comes while it runs
        tracker.engine().results((ref, status) -> Flux.<TaskEvent>empty()
                .delaySubscription(Duration.ofSeconds(60), vts).doOnSubscribe(x -> captures.incrementAndGet()));
        tracker.track(REF).subscribe(s -> { }, e -> tracker.track(REF).subscribe(s -> { }, x -> { }));
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(captures).hasValue(1);
        assertThat(feed).filteredOn(e -> e instanceof TaskStatus s && s.state() == TaskState.COMPLETED).hasSize(1);
    }
}
