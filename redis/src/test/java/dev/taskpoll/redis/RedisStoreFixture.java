package dev.taskpoll.redis;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.Await;
import dev.taskpoll.testkit.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store's tests share: a real redis-server per test, stores on short leases (3 s, renewed every 500 ms,
 * scans every 200 ms), records to write, and a bounded wait for what Redis and the leases do in real time; everything
 * opened is closed after the test, newest first.
 */
abstract class RedisStoreFixture {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final PollPolicy POLICY = PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(30));
    static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    static final String KEY = "sk-test-key";

    @TempDir
    Path dir;

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    RedisServer redis() {
        RedisServer r = RedisServer.startOrSkip(dir.resolve("redis"));
        open.add(r);
        return r;
    }

    RedisStore store(RedisServer r, String instance, int shards) {
        RedisStore s = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).instanceId(instance).shards(shards)
                .lease(Duration.ofSeconds(3)).renewEvery(Duration.ofMillis(500)).scanEvery(Duration.ofMillis(200))
                .build());
        open.add(s);
        return s;
    }

    static TaskStatus status(String id, String raw, TaskState state, Instant at) {
        return new TaskStatus(id, state, raw, "veo_3_1_fast", null,
                state == TaskState.COMPLETED ? List.of("https://cdn.x/" + id + ".mp4") : List.of(), null, null, null,
                at);
    }

    static TaskStore.Tracked tracked(String id) {
        return new TaskStore.Tracked(TaskRef.of(id, Family.VEO, "veo_3_1_fast").withPolicy(POLICY), T0,
                T0.plus(Duration.ofMinutes(30)), T0.toEpochMilli() + 30_000,
                status(id, "queued", TaskState.QUEUED, T0));
    }

    static void until(BooleanSupplier done, String what) {
        Await.until(done, WAIT, what);
    }
}
