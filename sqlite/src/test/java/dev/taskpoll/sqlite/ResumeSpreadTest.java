package dev.taskpoll.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTracker;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Open tasks resume on their own grid, as they were spread before the restart: not all at once. On virtual time: the
 * store's commits complete on the test's scheduler, and the test moves the clock.
 */
class ResumeSpreadTest {

    private static final int N = 3_000;
    private static final Duration PERIOD = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static long started(TaskTracker tracker) {
        return tracker.modelStats().stream().mapToLong(m -> m.started()).sum();
    }

    @Test
    void resumedTasksPollOnTheGridTheyHadAndTheirDeadlinesHold() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        vts.advanceTimeTo(Instant.ofEpochSecond(1_000_000));
        long t0 = vts.now(TimeUnit.MILLISECONDS);
        Path file = dir.resolve("spread.db");
        // N tasks tracked before the restart, started over the 30 s before it, each with its own phase: grid anchors
        // spread over a whole period; a tenth of them past their deadline already
        try (SqliteStore before = SqliteStore.open(file)) {
            List<Mono<TaskStore.Tracked>> writes = new java.util.ArrayList<>();
            for (int i = 0; i < N; i++) {
                long started = t0 - 30_000 + i * 30_000L / N;
                TaskRef ref = TaskRef.of("t" + i, Family.VEO, "veo_3_1_fast")
                        .withPolicy(PollPolicy.of(PERIOD, Duration.ofMinutes(30)));
                // the absolute deadline is the record's: every tenth task's passed during the restart
                long deadline = i % 10 == 0 ? t0 - 1_000 : started + Duration.ofMinutes(30).toMillis();
                writes.add(before.started(new TaskStore.Tracked(ref, Instant.ofEpochMilli(started),
                        Instant.ofEpochMilli(deadline), started + 30_000, null)));
            }
            reactor.core.publisher.Flux.merge(writes).blockLast(Duration.ofSeconds(30));
        }
        ConcurrentMap<Long, AtomicInteger> perSecond = new ConcurrentHashMap<>();
        ConcurrentMap<String, Long> firstPoll = new ConcurrentHashMap<>();
        AtomicInteger requests = new AtomicInteger();
        // the store completes its callers on a scheduler the test pumps on its own thread: a virtual-time scheduler
        // would run them on the store's thread, at once, racing the clock the test moves
        Pumped pumped = new Pumped(vts);
        SqliteStore store = SqliteStore.open(file, SqliteStoreOptions.builder().scheduler(pumped).build());
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> {
                    long now = vts.now(TimeUnit.MILLISECONDS);
                    requests.incrementAndGet();
                    perSecond.computeIfAbsent((now - t0) / 1000, s -> new AtomicInteger()).incrementAndGet();
                    firstPoll.putIfAbsent(id, now);
                    return new TaskStatus(id, TaskState.PROCESSING, "processing", null, null, List.of(), null, null,
                            null, Instant.ofEpochMilli(now));
                })),
                TrackerOptions.builder().fixedGrid().scheduler(vts).fleet(FleetOptions.disabled())
                        .store(store).build());
        try {
            // the open tasks are read and adopted: wait for that (events on the store's thread), moving no time
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (started(tracker) < N && System.nanoTime() < until) {
                pumped.pump();
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(started(tracker)).isEqualTo(N);
            // (task 0's grid point is the restart itself: it may be polled before the clock moves, no other)
            assertThat(requests.get()).as(() -> "no poll before the clock moves but task 0's: " + firstPoll + " t0 " + t0).isLessThanOrEqualTo(1);
            for (int s = 0; s < 30; s++) {
                vts.advanceTimeBy(Duration.ofSeconds(1));
            }
            pumped.pump();
            // a tenth were past their deadline when resumed: polled once (on their grid too), then timed out
            assertThat(tracker.activeTasks()).as(() -> tracker.modelStats() + ", polls " + requests.get())
                    .isEqualTo(N - N / 10);
            assertThat(tracker.modelStats()).singleElement().satisfies(m -> assertThat(m.errors()).isEqualTo(N / 10));
            assertThat(firstPoll).hasSize(N);
            // every task polled once in the first period after the restart, on its grid point (anchor + k x 30 s)
            int busiest = perSecond.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
            assertThat(busiest).as("polls in the busiest second").isLessThanOrEqualTo(2 * N / 30);
            assertThat(requests.get()).isEqualTo(N);
            firstPoll.forEach((id, at) -> {
                int i = Integer.parseInt(id.substring(1));
                long anchor = t0 - 30_000 + i * 30_000L / N + 30_000;
                assertThat((at - anchor) % 30_000).as(id + " on its grid").isLessThan(10); // timer resolution: 10 ms
            });
        } finally {
            tracker.close();
            store.close();
            vts.dispose();
        }
    }
}
