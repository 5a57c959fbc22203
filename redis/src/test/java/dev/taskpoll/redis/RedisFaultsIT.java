package dev.taskpoll.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The Redis store through faults, against a real redis-server: an instance that dies without giving its leases back,
 * and Redis itself killed and restarted.
 */
class RedisFaultsIT extends RedisStoreFixture {

    @Test
    void instancesShareTheShardsAndADeadOnesAreTakenOverAfterItsLease() {
        RedisServer r = redis();
        RedisStore a = store(r, "a", 12);
        until(() -> a.heldShards() == 12, "a alone holds all");
        for (int i = 0; i < 60; i++) {
            a.started(tracked("t" + i)).block(WAIT);
        }
        RedisStore b = store(r, "b", 12);
        List<TaskRef> releasedByA = new CopyOnWriteArrayList<>();
        a.released().subscribe(releasedByA::add);
        List<TaskStore.Tracked> adoptedByB = new CopyOnWriteArrayList<>();
        b.open().subscribe(adoptedByB::add);
        until(() -> a.heldShards() == 6 && b.heldShards() == 6, "6 each (a " + a.heldShards() + ", b "
                + b.heldShards() + ")");
        until(() -> adoptedByB.size() == releasedByA.size() && !adoptedByB.isEmpty(), "b adopts what a gave back");
        for (int i = 0; i < 60; i++) {
            TaskRef ref = tracked("t" + i).ref();
            assertThat(a.holds(ref) ^ b.holds(ref)).as("t" + i + " held by exactly one").isTrue();
        }
        // a dies (no clean release): b takes everything after the lease (the time it takes is measured in the
        // benchmarks, not asserted here)
        a.crashForTest();
        until(() -> b.heldShards() == 12, "b takes a's shards");
        until(() -> adoptedByB.size() == 60, "b adopts all 60 tasks (" + adoptedByB.size() + ")");
    }

    /**
     * A holder that cannot reach Redis stops acting for its shards before their leases can have run out there (another
     * instance may hold them by then), and takes them again once Redis answers. Before, only a renewal answered "lost"
     * released a shard: cut off from Redis, an instance polled its tasks beside their new holder for as long as the
     * cut lasted.
     */
    @Test
    void aHolderCutOffFromRedisReleasesItsTasksWithinItsLeaseAndTakesThemAgainAfter() throws Exception {
        RedisServer r = redis();
        RedisStore a = store(r, "a", 4); // lease 3 s, renewed every 500 ms
        until(() -> a.heldShards() == 4, "a holds all");
        try (var c = io.lettuce.core.RedisClient.create(r.uri()).connect()) {
            c.sync().configSet("appendfsync", "always"); // what is written is on disk before the kill
        }
        for (int i = 0; i < 8; i++) {
            a.started(tracked("t" + i)).block(WAIT);
        }
        List<TaskRef> released = new CopyOnWriteArrayList<>();
        a.released().subscribe(released::add);
        List<TaskStore.Tracked> adopted = new CopyOnWriteArrayList<>();
        a.open().subscribe(adopted::add);
        for (int i = 0; i < 8; i++) {
            assertThat(a.holds(tracked("t" + i).ref())).as("t" + i + " held").isTrue();
        }
        long cut = System.nanoTime();
        r.kill();
        until(() -> a.heldShards() == 0, "a gives its shards up (holds " + a.heldShards() + ")");
        long gaveUp = (System.nanoTime() - cut) / 1_000_000;
        assertThat(gaveUp).as("ms from the cut to giving up, under the lease (3,000)").isLessThan(3_000);
        assertThat(released).extracting(TaskRef::id).containsExactlyInAnyOrder("t0", "t1", "t2", "t3", "t4", "t5",
                "t6", "t7");
        for (int i = 0; i < 8; i++) {
            assertThat(a.holds(tracked("t" + i).ref())).as("t" + i + " not held while Redis is away").isFalse();
        }
        r.restart();
        until(() -> a.heldShards() == 4, "a takes its shards again");
        until(() -> adopted.size() == 8, "and tracks its tasks again (" + adopted.size() + ")");
        assertThat(adopted).extracting(t -> t.ref().id()).containsExactlyInAnyOrder("t0", "t1", "t2", "t3", "t4",
                "t5", "t6", "t7");
    }

    @Test
    void aWriteWhileRedisIsDownWaitsAndLandsWhenItIsBack() throws Exception {
        RedisServer r = redis();
        RedisStore a = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).instanceId("a").shards(1)
                .lease(Duration.ofSeconds(30)).build());
        open.add(a);
        until(() -> a.heldShards() == 1, "a holds the shard");
        TaskRef ref = tracked("t").ref();
        try (var c = io.lettuce.core.RedisClient.create(r.uri()).connect()) {
            c.sync().configSet("appendfsync", "always"); // what is written is on disk before the kill
        }
        a.started(tracked("t")).block(WAIT);
        r.kill();
        var write = a.status(ref, status("t", "processing", TaskState.PROCESSING, T0)).toFuture();
        assertThat(write).as("waiting for Redis").isNotDone();
        r.restart();
        write.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(a.task("t").block(WAIT).history()).extracting(TaskStatus::rawStatus)
                .containsExactly("queued", "processing");
    }

    /**
     * A deadline that passes while Redis is down: the end (a timeout) is recorded once Redis is back, and only then
     * signalled; nothing fails while Redis is away.
     */
    @Test
    void aDeadlinePassingWhileRedisIsDownEndsTheTaskOnlyOnceRedisIsBack() throws Exception {
        RedisServer r = redis();
        dev.taskpoll.testkit.SimTime time = dev.taskpoll.testkit.SimTime.accelerated(60);
        dev.taskpoll.testkit.Simulator sim = dev.taskpoll.testkit.Simulator.builder().time(time).seed(3)
                .generationTime(Duration.ofHours(1), Duration.ofHours(1)).build().start();
        open.add(sim);
        RedisStore store = RedisStore.open(RedisStoreOptions.builder(r.uri(), sim.apiKey()).instanceId("a")
                .shards(1).lease(Duration.ofSeconds(60)).build());
        dev.taskpoll.TaskpollClient c = dev.taskpoll.TaskpollClient.create(dev.taskpoll.ClientOptions.builder()
                .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .storeTimeout(Duration.ofMinutes(10)) // on x60 time: 10 real seconds
                .trackerOptions(dev.taskpoll.TrackerOptions.builder().scheduler(time.scheduler()).store(store)
                        .fleet(dev.taskpoll.FleetOptions.disabled())
                        .policy(Family.VEO, PollPolicy.of(Duration.ofSeconds(10), Duration.ofMinutes(3))).build())
                .build());
        open.add(c);
        until(() -> store.heldShards() == 1, "the shard held");
        try (var conn = io.lettuce.core.RedisClient.create(r.uri()).connect()) {
            conn.sync().configSet("appendfsync", "always");
        }
        dev.taskpoll.Submission s = c.submit(dev.taskpoll.catalog.GenerationRequest.builder(Family.VEO,
                "veo_3_1_fast").prompt("slow").build()).block(WAIT);
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        c.track(s).subscribe(x -> { }, failed::set);
        until(() -> !sim.truth(s.taskId()).orElseThrow().polls().isEmpty(), "polled");
        Instant deadline = sim.truth(s.taskId()).orElseThrow().createdAt().plus(Duration.ofMinutes(3));
        r.kill();
        until(() -> time.now().isAfter(deadline.plusSeconds(60)), "a simulated minute past the deadline");
        assertThat(failed.get()).as("nothing ends while Redis is down").isNull();
        r.restart();
        until(() -> failed.get() != null, "the timeout, once its end is recorded");
        assertThat(failed.get()).isInstanceOf(dev.taskpoll.TaskTimeoutException.class);
        TaskRecord rec = store.task(s.taskId()).block(WAIT);
        assertThat(rec.phase()).isEqualTo(TaskRecord.Phase.ENDED);
        assertThat(rec.error()).contains("TaskTimeoutException");
    }
}
