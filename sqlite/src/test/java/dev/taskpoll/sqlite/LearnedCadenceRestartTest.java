package dev.taskpoll.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTracker;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.cadence.CadenceOptions;
import dev.taskpoll.cadence.LearnedCadence;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A restart resumes with the learned model: what the cadence learned is kept in the store and taken up by the next
 * tracker, whose first task is planned with it, not with the docs' range. On virtual time; the store's completions
 * are pumped by the test.
 */
class LearnedCadenceRestartTest {

    private static final String MODEL = "veo_3_1_fast";

    @TempDir
    Path dir;

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final Map<String, Long> doneAt = new ConcurrentHashMap<>();
    private final Map<String, Long> firstPoll = new ConcurrentHashMap<>();

    private TaskTracker tracker(SqliteStore store, Cadence cadence) {
        return TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> {
            long now = vts.now(TimeUnit.MILLISECONDS);
            firstPoll.putIfAbsent(id, now);
            boolean complete = now >= doneAt.get(id);
            return new TaskStatus(id, complete ? TaskState.COMPLETED : TaskState.PROCESSING,
                    complete ? "completed" : "processing", MODEL, null,
                    complete ? List.of("https://cdn.example/" + id + ".mp4") : List.of(), null, null, null,
                    Instant.ofEpochMilli(now));
        })), TrackerOptions.builder().scheduler(vts).fleet(FleetOptions.disabled()).store(store)
                .policy(Family.VEO, PollPolicy.of(Duration.ofSeconds(30), Duration.ofHours(1))).cadence(cadence)
                .build());
    }

    private static LearnedCadence cadence() {
        return LearnedCadence.create(CadenceOptions.builder().refitScheduler(null).probeShare(0).build());
    }

    private static void until(Pumped pumped, BooleanSupplier done) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            pumped.pump();
            LockSupport.parkNanos(1_000_000);
        }
        pumped.pump();
    }

    @Test
    void aRestartedTrackerPlansItsFirstTaskWithTheModelLearnedBeforeTheRestart() {
        vts.advanceTimeTo(Instant.ofEpochSecond(1_000_000));
        Path file = dir.resolve("learned.db");
        Pumped pumped = new Pumped(vts);
        SqliteStore before = SqliteStore.open(file, SqliteStoreOptions.builder().scheduler(pumped).build());
        LearnedCadence learning = cadence();
        TaskTracker first = tracker(before, learning);
        // 200 tasks one every 2 s, each completing 40-80 s after it starts: far from the docs' 2-5 minutes
        for (int i = 0; i < 200; i++) {
            String id = "t" + i;
            doneAt.put(id, vts.now(TimeUnit.MILLISECONDS) + 40_000 + (i * 7919L % 40) * 1_000);
            long written = before.commitCounts()[1];
            first.track(TaskRef.of(id, Family.VEO, MODEL)).subscribe();
            // its record is committed, and its first poll armed, before the clock moves on
            until(pumped, () -> before.commitCounts()[1] > written);
            LockSupport.parkNanos(2_000_000);
            pumped.pump();
            vts.advanceTimeBy(Duration.ofSeconds(2));
        }
        for (int s = 0; s < 600 && first.activeTasks() > 0; s++) {
            pumped.pump();
            vts.advanceTimeBy(Duration.ofSeconds(1));
        }
        until(pumped, () -> first.activeTasks() == 0);
        assertThat(first.activeTasks()).as(() -> "still tracked at +" + (vts.now(TimeUnit.MILLISECONDS) - 1_000_000_000L) + " ms: " + first.modelStats()).isZero();
        assertThat(learning.models()).singleElement().satisfies(m -> {
            assertThat(m.observations()).isEqualTo(200);
            assertThat(m.median().toSeconds()).isBetween(50L, 70L);
        });
        first.close();
        before.close(); // commits what was queued, the model among it

        try (SqliteStore reader = SqliteStore.open(file, SqliteStoreOptions.builder().tracking(false).build())) {
            assertThat(reader.models().collectList().block(Duration.ofSeconds(10))).singleElement().satisfies(m -> {
                assertThat(m.key()).isEqualTo("VEO/" + MODEL);
                assertThat(m.observations()).isEqualTo(200);
            });
        }
        SqliteStore after = SqliteStore.open(file, SqliteStoreOptions.builder().scheduler(pumped).build());
        LearnedCadence restarted = cadence();
        TaskTracker second = tracker(after, restarted);
        LearnedCadence cold = cadence();
        TaskTracker control = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.just(new TaskStatus(id,
                TaskState.PROCESSING, "processing", MODEL, null, List.of(), null, null, null, Instant.EPOCH))),
                TrackerOptions.builder().scheduler(vts).fleet(FleetOptions.disabled()).cadence(cold)
                        .policy(Family.VEO, PollPolicy.of(Duration.ofSeconds(30), Duration.ofHours(1))).build());
        try {
            long t0 = vts.now(TimeUnit.MILLISECONDS);
            doneAt.put("fresh", t0 + 600_000);
            until(pumped, () -> true); // the models are read before anything is resumed
            long written = after.commitCounts()[1];
            second.track(TaskRef.of("fresh", Family.VEO, MODEL)).subscribe();
            until(pumped, () -> after.commitCounts()[1] > written);
            LockSupport.parkNanos(2_000_000);
            pumped.pump();
            for (int s = 0; s < 200 && !firstPoll.containsKey("fresh"); s++) {
                vts.advanceTimeBy(Duration.ofSeconds(1));
                pumped.pump();
            }
            long restartedFirst = firstPoll.get("fresh") - t0;
            assertThat(restartedFirst).as("first poll after the restart (ms): learned 40-80 s").isBetween(40_000L,
                    80_000L);
            assertThat(restarted.models()).singleElement()
                    .satisfies(m -> assertThat(m.observations()).isEqualTo(200));
            // a tracker without the store starts from the docs' range: its first poll comes after 2 minutes
            control.track(TaskRef.of("control", Family.VEO, MODEL)).subscribe();
            assertThat(cold.models()).singleElement().satisfies(m -> assertThat(m.observations()).isZero());
            assertThat(cold.models().get(0).median().toSeconds()).as("the prior's median").isBetween(200L, 220L);
        } finally {
            control.close();
            second.close();
            after.close();
            vts.dispose();
        }
    }
}
