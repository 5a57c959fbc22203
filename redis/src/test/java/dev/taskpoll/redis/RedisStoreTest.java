package dev.taskpoll.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.LeaseLostException;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The Redis store against a real redis-server: records, leases, fencing, changes, bad connections. */
class RedisStoreTest extends RedisStoreFixture {

    @Test
    void recordsIntentsTasksHistoryResultsAndEndsAndListsThem() {
        RedisServer r = redis();
        RedisStore s = store(r, "a", 4);
        until(() -> s.heldShards() == 4, "all shards held by the only instance");
        long doubt = s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"prompt\":\"x\"}", T0)).block(WAIT);
        long sent = s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"prompt\":\"y\"}", T0)).block(WAIT);
        assertThat(sent).isGreaterThan(doubt);
        s.submitted(sent, tracked("t1")).block(WAIT);
        TaskRef ref = tracked("t1").ref();
        assertThat(s.holds(ref)).isTrue();
        TaskStatus processing = status("t1", "processing", TaskState.PROCESSING, T0.plusSeconds(30));
        s.status(ref, processing).block(WAIT);
        s.status(ref, processing).block(WAIT); // a retry of a write Redis ran but whose answer was lost: once
        TaskStatus done = status("t1", "completed", TaskState.COMPLETED, T0.plusSeconds(60));
        s.confirm(ref).block(WAIT); // the holder may capture
        s.status(ref, done).block(WAIT); // recorded before the capture, then the end repeats no entry
        s.captured(ref, new StoredFile(0, "/out/t1/0.mp4", 1234, "ab".repeat(32))).block(WAIT);
        s.ended(ref, new TaskStore.Ending(done, null, T0.plus(Duration.ofMinutes(30)), T0.plusSeconds(61)))
                .block(WAIT);
        assertThatThrownBy(() -> s.confirm(ref).block(WAIT)).as("ended: nothing more to capture")
                .isInstanceOf(LeaseLostException.class).hasMessageContaining("has ended it");
        // the end again (a retry that raced): recorded once
        s.ended(ref, new TaskStore.Ending(done, null, T0.plus(Duration.ofMinutes(30)), T0.plusSeconds(62)))
                .block(WAIT);

        TaskRecord t1 = s.task("t1").block(WAIT);
        assertThat(t1.phase()).isEqualTo(TaskRecord.Phase.ENDED);
        assertThat(t1.history()).extracting(TaskStatus::rawStatus).containsExactly("queued", "processing",
                "completed");
        assertThat(t1.files()).singleElement().satisfies(f -> assertThat(f.sha256()).isEqualTo("ab".repeat(32)));
        assertThat(t1.endedAt()).isEqualTo(T0.plusSeconds(61));
        assertThat(s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).singleElement()
                .satisfies(d -> {
                    assertThat(d.intentId()).isEqualTo(doubt);
                    assertThat(d.request()).isEqualTo("{\"prompt\":\"x\"}");
                });
        assertThat(s.tasks(TaskRecord.Phase.ENDED).collectList().block(WAIT)).extracting(TaskRecord::id)
                .containsExactly("t1");
        assertThat(s.tasks(TaskRecord.Phase.OPEN).collectList().block(WAIT)).isEmpty();
        s.saveModel(new Cadence.Saved("VEO/veo_3_1_fast", 7, new long[] {0, 150_000}, T0)).block(WAIT);
        assertThat(s.models().collectList().block(WAIT)).singleElement()
                .satisfies(m -> assertThat(m.window()).containsExactly(0, 150_000));
    }

    /**
     * A second tracker on a store whose adoptions a first took is told so, naming what to do: before, it failed with
     * Reactor's "only allow a single Subscriber", which the tracker logs, and tracked nothing (a review).
     */
    @Test
    void aSecondTrackerOfOneStoreIsToldToOpenANewOne() {
        RedisServer r = redis();
        RedisStore s = store(r, "a", 1);
        s.open().subscribe().dispose(); // the first tracker, closed since
        assertThatThrownBy(() -> s.open().blockFirst(WAIT)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("serves one tracker for its life")
                .hasMessageContaining("close this store and open a new one for the next tracker");
    }

    /**
     * An intent's script run twice for one call (a retry after a command timeout, while Redis ran the first) records
     * one intent: the second run answers the first's id. Before, each run took a new id, and the first stayed in
     * doubt for ever beside the submit that was sent once (a review).
     */
    @Test
    void anIntentRetriedAfterItsAnswerWasLostIsRecordedOnce() {
        RedisServer r = redis();
        RedisStore s = store(r, "a", 1);
        TaskStore.Intent intent = new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"prompt\":\"x\"}", T0);
        long first = s.intent(intent, "call-1").block(WAIT);
        long again = s.intent(intent, "call-1").block(WAIT);
        assertThat(again).isEqualTo(first);
        assertThat(s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).singleElement()
                .satisfies(d -> assertThat(d.intentId()).isEqualTo(first));
        assertThat(s.intent(intent).block(WAIT)).as("another call, another intent").isGreaterThan(first);
    }

    /**
     * Redis loses its last second of writes (AOF {@code everysec}): the intent sequence is back where it was. The next
     * intent still gets an id of its own, so that the lost intent's {@code submitted}, still retried by the instance
     * that sent it, does not mark the new one as answered. Before, the new intent got the lost one's id, and a paid
     * submit whose answer was lost was no longer listed in doubt (an audit).
     */
    @Test
    void anIntentIdIsNotHandedOutAgainAfterRedisLostItsLastWrites() {
        RedisServer r = redis();
        RedisStore s = store(r, "a", 1);
        TaskStore.Intent intent = new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"prompt\":\"x\"}", T0);
        long lost = s.intent(intent).block(WAIT);
        Keys keys = new Keys(s.options().namespace(), 1);
        try (var c = io.lettuce.core.RedisClient.create(r.uri()).connect()) { // as if never written
            c.sync().decr(keys.sequence());
            c.sync().del(keys.intentPrefix() + lost);
            c.sync().zrem(keys.intents(), Long.toString(lost));
            c.sync().srem(keys.inDoubt(), Long.toString(lost));
        }
        long next = s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"prompt\":\"y\"}", T0))
                .block(WAIT);
        assertThat(next).as("an id of its own").isNotEqualTo(lost);
        s.submitted(lost, tracked("t-lost")).block(WAIT); // the lost intent's answer, retried
        assertThat(s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).singleElement()
                .satisfies(d -> {
                    assertThat(d.intentId()).isEqualTo(next);
                    assertThat(d.request()).isEqualTo("{\"prompt\":\"y\"}");
                });
    }

    /**
     * A write retried after a later one of the same task (its first try timed out while Redis stalled, and ran or not)
     * is not recorded when it was observed before the latest recorded status and does not move the task forward: the
     * task's latest status stays the latest, and its end finds the completed status there (one entry of it).
     */
    @Test
    void aStatusRetriedAfterALaterOneIsNotRecordedOverIt() {
        RedisServer r = redis();
        RedisStore s = store(r, "a", 1);
        until(() -> s.heldShards() == 1, "the shard held");
        s.started(tracked("t2")).block(WAIT);
        TaskRef ref = tracked("t2").ref();
        TaskStatus early = status("t2", "processing", TaskState.PROCESSING, T0.plusSeconds(30));
        TaskStatus later = new TaskStatus("t2", TaskState.PROCESSING, "processing", "veo_3_1_fast", null, List.of(),
                null, null, 1234L, T0.plusSeconds(60)); // differs from the first (tokens): a change
        TaskStatus done = status("t2", "completed", TaskState.COMPLETED, T0.plusSeconds(90));
        s.status(ref, early).block(WAIT);
        s.status(ref, later).block(WAIT);
        s.status(ref, early).block(WAIT); // the first write's retry, landing late
        s.status(ref, done).block(WAIT);
        s.status(ref, later).block(WAIT); // another, after the completed status
        s.ended(ref, new TaskStore.Ending(done, null, T0.plus(Duration.ofMinutes(30)), T0.plusSeconds(91)))
                .block(WAIT);
        TaskRecord t2 = s.task("t2").block(WAIT);
        assertThat(t2.history()).extracting(TaskStatus::observedAt).containsExactly(T0, T0.plusSeconds(30),
                T0.plusSeconds(60), T0.plusSeconds(90));
        assertThat(t2.last().state()).isEqualTo(TaskState.COMPLETED);
    }

    /**
     * The retention is counted on the store's scheduler, whose clock the tracker's times come from; here a scheduler
     * whose clock runs 10 days behind the wall's: a task that ended 8 days before the wall's now ended 2 days ago on
     * it and stays (on the wall clock, as before, it went), one that ended 18 days before goes.
     */
    @Test
    void theRetentionIsCountedOnTheSchedulersClock() {
        RedisServer r = redis();
        long behind = Duration.ofDays(10).toMillis();
        ShiftedClock late = new ShiftedClock();
        late.offset.set(-behind);
        RedisStoreOptions options = RedisStoreOptions.builder(r.uri(), KEY).instanceId("late").shards(1)
                .lease(Duration.ofSeconds(3)).renewEvery(Duration.ofMillis(500)).scanEvery(Duration.ofMillis(200))
                .retention(Duration.ofDays(7)).scheduler(late).build();
        RedisStore s = RedisStore.open(options);
        Keys keys = new Keys(options.namespace(), options.shards());
        open.add(s);
        until(() -> s.heldShards() == 1, "the shard held");
        java.time.Instant wall = java.time.Instant.now();
        for (String id : List.of("recent", "old")) {
            s.started(tracked(id)).block(WAIT);
            TaskRef ref = tracked(id).ref();
            java.time.Instant end = wall.minus(Duration.ofDays(id.equals("recent") ? 8 : 18));
            s.ended(ref, new TaskStore.Ending(null, "x", end, end)).block(WAIT);
        }
        // intents: one answered 18 days ago goes, one in doubt as old stays (the user decides), a recent one stays
        java.time.Instant old = wall.minus(Duration.ofDays(18));
        long answered = s.intent(new TaskStore.Intent(dev.taskpoll.catalog.Family.VEO, "veo_3_1_fast", "{}", old))
                .block(WAIT);
        s.notCreated(answered, "HTTP 400").block(WAIT);
        long doubt = s.intent(new TaskStore.Intent(dev.taskpoll.catalog.Family.VEO, "veo_3_1_fast", "{}", old))
                .block(WAIT);
        long fresh = s.intent(new TaskStore.Intent(dev.taskpoll.catalog.Family.VEO, "veo_3_1_fast", "{}", wall))
                .block(WAIT);
        s.notCreated(fresh, "HTTP 400").block(WAIT);
        assertThat(s.prune().block(WAIT)).isEqualTo(1);
        assertThat(s.tasks(TaskRecord.Phase.ENDED).collectList().block(WAIT)).extracting(TaskRecord::id)
                .containsExactly("recent");
        try (var c = io.lettuce.core.RedisClient.create(r.uri()).connect()) {
            List<String> kept = c.sync().zrange(keys.intents(), 0, -1);
            assertThat(kept).containsExactlyInAnyOrder(String.valueOf(doubt), String.valueOf(fresh));
            assertThat(c.sync().exists(keys.intentPrefix() + answered)).isZero();
        }
        assertThat(s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).hasSize(1);
    }

    @Test
    void tenThousandTasksAreListedAndTakenOverWithinTheCommandTimeout() {
        RedisServer r = redis();
        RedisStore writer = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).tracking(false).shards(2)
                .commandTimeout(Duration.ofSeconds(2)).build());
        open.add(writer);
        int n = 10_000;
        reactor.core.publisher.Flux.range(0, n).flatMap(i -> writer.started(tracked("t" + i)), 256).blockLast(WAIT);
        // a long reply and the commands sent for its members share one connection: all answered
        assertThat(writer.tasks(TaskRecord.Phase.OPEN).count().block(WAIT)).isEqualTo(n);
        RedisStore holder = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).instanceId("big").shards(2)
                .commandTimeout(Duration.ofSeconds(2)).build());
        open.add(holder);
        List<String> adopted = new CopyOnWriteArrayList<>();
        holder.open().subscribe(t -> adopted.add(t.ref().id()));
        until(() -> adopted.size() == n, "the 10,000 tasks of two shards adopted by their holder");
    }

    /**
     * A shard taken while Redis fails part of its read (here one record of the wrong type, as a command refused while
     * Redis restarts) does not leave its tasks untracked: the shard is read again until every open task is adopted.
     * FailoverIT found tasks that never ended this way (Redis killed while a worker was loading the shards it took).
     */
    @Test
    void aShardWhoseTasksCouldNotAllBeReadWhenTakenIsReadAgainUntilEveryTaskIsAdopted() {
        RedisServer r = redis();
        RedisStore writer = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).tracking(false).shards(1)
                .build());
        open.add(writer);
        for (String id : List.of("good1", "bad", "good2")) {
            writer.started(tracked(id)).block(WAIT);
        }
        String key = writer.options().namespace() + "task:" + Keys.member(tracked("bad").ref());
        try (var c = io.lettuce.core.RedisClient.create(r.uri()).connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            byte[] k = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] saved = c.sync().dump(k);
            assertThat(saved).as("the record exists to be damaged").isNotNull();
            c.sync().del(k);
            c.sync().set(k, "not a hash".getBytes(java.nio.charset.StandardCharsets.UTF_8)); // HGETALL fails
            RedisStore holder = store(r, "h", 1);
            List<String> adopted = new CopyOnWriteArrayList<>();
            holder.open().subscribe(t -> adopted.add(t.ref().id()));
            until(() -> holder.heldShards() == 1, "the holder takes the shard");
            until(() -> c.sync().info("errorstats").contains("errorstat_WRONGTYPE"),
                    "Redis refused the holder's read of the damaged record");
            c.sync().restore(k, saved, io.lettuce.core.RestoreArgs.Builder.ttl(0).replace());
            until(() -> adopted.containsAll(List.of("good1", "bad", "good2")),
                    "every open task of the shard adopted once its records can be read (adopted: " + adopted + ")");
            assertThat(adopted).as("each once").hasSize(3);
        }
    }

    @Test
    void aTasksRequestShapeIsKeptInItsHashAndReadBackForTheInstanceThatTakesItOver() {
        TaskStore.Tracked plain = tracked("p");
        TaskStore.Tracked shaped = new TaskStore.Tracked(plain.ref().withShape("duration=8,refs"), plain.startedAt(),
                plain.deadline(), plain.firstDue(), plain.last());
        assertThat(Records.ref("s", Records.pairs(Records.fields(shaped, 3, 0, "i"))).shape())
                .isEqualTo("duration=8,refs");
        assertThat(Records.ref("p", Records.pairs(Records.fields(plain, 3, 0, "i"))).shape()).isNull();
        assertThat(Records.ref("old", Map.of("kind", "VEO", "model", "veo_3_1_fast", "period", "30000",
                "deadline_ms", "1800000")).shape()).as("a hash written before shapes were kept").isNull();
    }

    /**
     * A Redis restarted with an append-only file answers LOADING until its data is read (and one at its memory limit
     * OOM, a replica READONLY): writes and reads wait for it as for an unreachable one (FailoverIT lost a paid result to "reading task ... failed (LOADING ...)"); an error of
     * the command itself does not.
     */
    @Test
    void aRedisStillLoadingItsDataOrBusyIsWaitedForAsAnUnreachableOneIs() {
        assertThat(RedisStore.unreachable(new io.lettuce.core.RedisLoadingException(
                "LOADING Redis is loading the dataset in memory"))).isTrue();
        assertThat(RedisStore.unreachable(new io.lettuce.core.RedisBusyException("BUSY Redis is busy running a"
                + " script"))).isTrue();
        assertThat(RedisStore.unreachable(new io.lettuce.core.RedisCommandTimeoutException("timed out"))).isTrue();
        assertThat(RedisStore.unreachable(new io.lettuce.core.RedisCommandExecutionException("OOM command not"
                + " allowed when used memory > 'maxmemory'."))).as("at its memory limit: waits until pruned").isTrue();
        assertThat(RedisStore.unreachable(new io.lettuce.core.RedisCommandExecutionException("READONLY You can't"
                + " write against a read only replica."))).isTrue();
        assertThat(RedisStore.unreachable(new io.lettuce.core.RedisCommandExecutionException("WRONGTYPE Operation"
                + " against a key holding the wrong kind of value"))).isFalse();
        assertThat(RedisStore.describe(new io.lettuce.core.RedisLoadingException("LOADING Redis is loading")))
                .isEqualTo("Redis is loading its data after a restart (LOADING)");
    }

    @Test
    void aCallbackAnyInstanceReceivesReachesTheInstanceHoldingTheTask() {
        RedisServer r = redis();
        RedisStore a = store(r, "a", 4);
        until(() -> a.heldShards() == 4, "every shard held by the first instance");
        RedisStore b = store(r, "b", 4);
        until(() -> a.heldShards() == 2 && b.heldShards() == 2, "two shards each");
        List<String> atA = new CopyOnWriteArrayList<>();
        List<String> atB = new CopyOnWriteArrayList<>();
        a.hints().connect(listener(atA));
        b.hints().connect(listener(atB));
        String id = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "cb" + i)
                .filter(i -> b.holds(TaskRef.of(i, Family.GENERIC_TASK))).findFirst().orElseThrow();
        a.hints().offer(Family.GENERIC_TASK, status(id, "completed", TaskState.COMPLETED, T0));
        until(() -> atB.size() == 1, "the hint at the holder");
        a.hints().forget(Family.GENERIC_TASK, id);
        until(() -> atB.size() == 2, "the forget at the holder");
        assertThat(atB).containsExactly("hint " + id + " completed", "forget " + id);
        assertThat(atA).as("the instance that received the callback does not poll the task").isEmpty();
    }

    private static dev.taskpoll.spi.StatusHints.Listener listener(List<String> into) {
        return new dev.taskpoll.spi.StatusHints.Listener() {
            @Override
            public void hint(dev.taskpoll.catalog.TaskKind kind, TaskStatus status) {
                into.add("hint " + status.taskId() + " " + status.rawStatus());
            }

            @Override
            public void forget(dev.taskpoll.catalog.TaskKind kind, String taskId) {
                into.add("forget " + taskId);
            }
        };
    }

    @Test
    void aWriteFromAnInstanceWhoseLeaseMovedOnIsRefusedAndItsTasksAreReleased() {
        RedisServer r = redis();
        RedisStore a = store(r, "a", 1);
        until(() -> a.heldShards() == 1, "a holds the shard");
        TaskRef ref = tracked("t").ref();
        a.started(tracked("t")).block(WAIT);
        a.status(ref, status("t", "processing", TaskState.PROCESSING, T0)).block(WAIT);
        List<TaskRef> released = new CopyOnWriteArrayList<>();
        a.released().subscribe(released::add);
        // another instance holds the lease now (as after a pause longer than the lease)
        try (var c = io.lettuce.core.RedisClient.create(r.uri()).connect()) {
            c.sync().set(a.options().namespace() + "lease:0", "b|999");
        }
        assertThatThrownBy(() -> a.confirm(ref).block(WAIT)).as("no capture by a stale holder")
                .isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> a.status(ref, status("t", "completed", TaskState.COMPLETED, T0)).block(WAIT))
                .isInstanceOf(LeaseLostException.class).hasMessageContaining("another instance tracks it now");
        until(() -> released.size() == 1, "a finds out at its next renewal and releases the task");
        assertThat(a.holds(ref)).isFalse();
        assertThat(a.task("t").block(WAIT).history()).extracting(TaskStatus::rawStatus)
                .containsExactly("queued", "processing");
    }

    /**
     * A pause longer than the lease (a stopped process, a long GC pause): on waking, the clock is past the lease's local
     * validity, and no poll of the shard's tasks may leave, before any lease check has run (every overdue timer fires
     * at once on waking, the polls' among them); once the shard is held again, they may.
     */
    @Test
    void afterAPauseLongerThanItsLeaseAnInstanceMayNotPollUntilItsLeaseIsCurrentAgain() {
        RedisServer r = redis();
        ShiftedClock clock = new ShiftedClock();
        RedisStore a = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).instanceId("a").shards(1)
                .lease(Duration.ofSeconds(3)).renewEvery(Duration.ofMillis(500)).scanEvery(Duration.ofMillis(200))
                .scheduler(clock).build());
        open.add(a);
        until(() -> a.heldShards() == 1, "a holds the shard");
        TaskRef ref = tracked("t").ref();
        a.started(tracked("t")).block(WAIT);
        assertThat(a.mayPoll(ref)).isTrue();
        clock.paused.set(true); // the process stops: nothing scheduled runs
        // a lease cycle under way at the pause (its renewal sent a moment later) is over after a few skipped turns
        until(() -> clock.skipped.get() >= 12, "the periodic work skips its turns");
        clock.offset.addAndGet(4_000); // 4 s pass, past the 3 s lease
        assertThat(a.mayPoll(ref)).as("not at once on waking, before any lease check has run").isFalse();
        assertThat(a.holds(ref)).as("(the shard not yet released: the check has not run)").isTrue();
        clock.paused.set(false); // then the expiry check releases the shard and the cycle takes it again, or a renewal
        // comes first and extends it (Redis still counts the lease: only this clock moved)
        until(() -> a.mayPoll(ref) && a.holds(ref), "a may poll again once its lease is current again");
    }

    /**
     * When an instance gives shards back (another one joined), a shard with a capture running here (its task's hold
     * confirmed, its end not recorded yet) goes last: its new holder would capture the task again from its record while
     * this capture runs on, and this one's records would be refused. Here it is the shard given back first before.
     */
    @Test
    void aShardWithACaptureRunningHereIsGivenBackLast() {
        RedisServer r = redis();
        RedisStore a = store(r, "a", 4);
        until(() -> a.heldShards() == 4, "a holds every shard");
        Keys keys = new Keys(a.options().namespace(), 4);
        String id = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "c" + i)
                .filter(i -> keys.shard(Keys.member(tracked(i).ref())) == 0).findFirst().orElseThrow();
        TaskRef ref = tracked(id).ref();
        a.started(tracked(id)).block(WAIT);
        a.confirm(ref).block(WAIT); // its capture starts
        RedisStore b = store(r, "b", 4);
        until(() -> a.heldShards() == 2 && b.heldShards() == 2, "two shards each");
        assertThat(a.holds(ref)).as("the shard of the task being captured stays").isTrue();
    }

    /**
     * A wall clock stepped back (NTP, a VM's clock corrected) does not stretch a lease: Redis expires it on its own
     * clock, so this instance stops acting for the shard when the JVM's monotonic clock says the lease's validity has
     * passed, whatever the scheduler's clock says (here 60 s behind, and no renewal since: the process is paused).
     */
    @Test
    void aClockSteppedBackDoesNotStretchALease() {
        RedisServer r = redis();
        ShiftedClock clock = new ShiftedClock();
        RedisStore a = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).instanceId("a").shards(1)
                .lease(Duration.ofSeconds(3)).renewEvery(Duration.ofMillis(500)).scanEvery(Duration.ofMillis(200))
                .scheduler(clock).build());
        open.add(a);
        until(() -> a.heldShards() == 1, "a holds the shard");
        TaskRef ref = tracked("t").ref();
        a.started(tracked("t")).block(WAIT);
        assertThat(a.mayPoll(ref)).isTrue();
        clock.paused.set(true); // no renewal from now on
        clock.offset.addAndGet(-60_000);
        assertThat(a.mayPoll(ref)).as("at once: the lease is still valid").isTrue();
        // its validity (3 s less half a renewal) passes on the monotonic clock within 3 s of the last renewal
        until(() -> !a.mayPoll(ref), "a may no longer poll, its lease passed on the monotonic clock");
        clock.paused.set(false);
        clock.offset.addAndGet(60_000);
    }

    /**
     * The tracker subscribes to the adoptions when it starts (after reading the cadence's models) and to the releases
     * on a stream of their own: a task read under a take of its shard that ended before that subscription (given back
     * or lost) is not delivered, even once the shard is held here again; the new take's read of it is, once.
     */
    @Test
    void anAdoptionReadUnderATakeThatEndedBeforeItIsDeliveredIsDropped() {
        RedisServer r = redis();
        RedisStore a = store(r, "a", 1);
        until(() -> a.heldShards() == 1, "a holds the shard");
        RedisStore recorder = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).instanceId("submitter").shards(1)
                .tracking(false).build());
        open.add(recorder);
        recorder.started(tracked("t")).block(WAIT); // another process records a task: a's scan reads it
        until(() -> a.adoptionsEmitted() == 1, "a reads the new task (its adoption waits: nobody subscribed yet)");
        List<TaskRef> released = new CopyOnWriteArrayList<>();
        a.released().subscribe(released::add);
        try (var c = io.lettuce.core.RedisClient.create(r.uri()).connect()) {
            c.sync().set(a.options().namespace() + "lease:0", "b|999", io.lettuce.core.SetArgs.Builder.px(1_500));
        }
        until(() -> released.size() == 1, "a loses the shard (its renewal refused) and releases the task");
        until(() -> a.heldShards() == 1 && a.knownTasks() == 1, "a takes the shard again once b's lease ran out, and"
                + " reads the task again");
        // knownTasks counts a task when its read starts, before the read ends and its adoption is queued: both
        // reads' adoptions are waited for (this test failed once in CI on that race)
        until(() -> a.adoptionsEmitted() == 2, "both takes' reads queued");
        List<TaskStore.Tracked> adopted = new CopyOnWriteArrayList<>();
        a.open().subscribe(adopted::add); // the tracker subscribes now: what waited is delivered at once
        assertThat(adopted).extracting(x -> x.ref().id()).as("the first take's read dropped, the new take's delivered")
                .containsExactly("t");
    }

    /** The parallel scheduler, its clock shifted at will (behind the wall clock; a process paused, then woken). */
    private static final class ShiftedClock implements reactor.core.scheduler.Scheduler {
        final java.util.concurrent.atomic.AtomicLong offset = new java.util.concurrent.atomic.AtomicLong();
        /** While set, periodic work (the lease cycle, the expiry check, the scans: Flux.interval) skips its turns. */
        final java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
        /** Turns skipped while paused. */
        final java.util.concurrent.atomic.AtomicInteger skipped = new java.util.concurrent.atomic.AtomicInteger();
        private final reactor.core.scheduler.Scheduler inner = reactor.core.scheduler.Schedulers.parallel();

        @Override
        public long now(java.util.concurrent.TimeUnit unit) {
            return unit.convert(inner.now(java.util.concurrent.TimeUnit.MILLISECONDS) + offset.get(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        @Override
        public reactor.core.Disposable schedule(Runnable task) {
            return inner.schedule(task);
        }

        @Override
        public reactor.core.Disposable schedule(Runnable task, long delay, java.util.concurrent.TimeUnit unit) {
            return inner.schedule(task, delay, unit);
        }

        /** Flux.interval's turns come through a worker: paused there. */
        @Override
        public Worker createWorker() {
            Worker w = inner.createWorker();
            return new Worker() {
                @Override
                public reactor.core.Disposable schedule(Runnable task) {
                    return w.schedule(task);
                }

                @Override
                public reactor.core.Disposable schedule(Runnable task, long delay,
                                                        java.util.concurrent.TimeUnit unit) {
                    return w.schedule(task, delay, unit);
                }

                @Override
                public reactor.core.Disposable schedulePeriodically(Runnable task, long initialDelay, long period,
                                                                    java.util.concurrent.TimeUnit unit) {
                    return w.schedulePeriodically(unlessPaused(task), initialDelay, period, unit);
                }

                @Override
                public void dispose() {
                    w.dispose();
                }

                @Override
                public boolean isDisposed() {
                    return w.isDisposed();
                }
            };
        }

        private Runnable unlessPaused(Runnable task) {
            return () -> {
                if (!paused.get()) {
                    task.run();
                } else {
                    skipped.incrementAndGet();
                }
            };
        }
    }

    @Test
    void whatOneInstanceRecordsReachesTheOthersAsChanges() {
        RedisServer r = redis();
        RedisStore a = store(r, "a", 1);
        until(() -> a.heldShards() == 1, "a holds the shard");
        RedisStore b = store(r, "b", 1);
        List<TaskStore.Change> seen = new CopyOnWriteArrayList<>();
        b.changes().subscribe(seen::add);
        List<TaskStore.Change> own = new CopyOnWriteArrayList<>();
        a.changes().subscribe(own::add);
        TaskRef ref = tracked("t").ref();
        a.started(tracked("t")).block(WAIT);
        until(() -> true, "");
        a.status(ref, status("t", "processing", TaskState.PROCESSING, T0)).block(WAIT);
        a.ended(ref, new TaskStore.Ending(null, "TaskTimeoutException: late", T0, T0)).block(WAIT);
        until(() -> seen.size() == 2, "b sees both changes");
        assertThat(seen.get(0).status().rawStatus()).isEqualTo("processing");
        assertThat(seen.get(1).ended()).isTrue();
        assertThat(seen.get(1).error()).isEqualTo("TaskTimeoutException: late");
        assertThat(own).as("an instance does not hear its own changes").isEmpty();
    }

    @Test
    void anUnreachableRedisOrAWrongPasswordIsNamedWithoutThePassword() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String uri = "redis://:hunter2@127.0.0.1:" + port;
        assertThatThrownBy(() -> RedisStore.open(RedisStoreOptions.builder(uri, KEY).build()))
                .isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("unreachable")
                .satisfies(e -> assertThat(String.valueOf(e)).doesNotContain("hunter2"));
        RedisServer r = RedisServer.startOrSkip(dir.resolve("auth"), "s3cret");
        open.add(r);
        String wrong = "redis://:nope@127.0.0.1:" + r.port();
        assertThatThrownBy(() -> RedisStore.open(RedisStoreOptions.builder(wrong, KEY).build()))
                .isInstanceOf(TaskStoreException.class).hasMessageContaining("refused the password")
                .satisfies(e -> assertThat(String.valueOf(e)).doesNotContain("nope"));
        RedisStore ok = RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).build());
        open.add(ok);
        assertThat(ok.toString()).doesNotContain("s3cret");
        assertThat(ok.options().toString()).doesNotContain("s3cret").doesNotContain(KEY);
        assertThatThrownBy(() -> RedisStoreOptions.builder("http://x", KEY)).hasMessageContaining("redis.uri")
                .isInstanceOfSatisfying(dev.taskpoll.InvalidOptionException.class, e -> assertThat(e.option())
                        .as("what the command line names --redis").isEqualTo("redis.uri"));
        assertThatThrownBy(() -> RedisStore.open(RedisStoreOptions.builder(r.uri(), KEY).shards(16).build()))
                .isInstanceOf(TaskStoreException.class).hasMessageContaining("redis.shards: 16, but the instances on"
                        + " this Redis (prefix and API key) use 64; every instance must use the same");
    }

}
