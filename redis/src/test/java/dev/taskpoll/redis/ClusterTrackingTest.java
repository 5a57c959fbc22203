package dev.taskpoll.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.Submission;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.LogCapture;
import dev.taskpoll.testkit.RedisServer;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three clients on one Redis, against the simulator (accelerated time): every task polled by one instance at a time,
 * every subscriber sees its task to the end whichever instance polls it, and when one instance dies its tasks are
 * taken over and end as the simulator says, each with one terminal status in its history.
 */
class ClusterTrackingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private TaskpollClient client(RedisServer r, Simulator sim, SimTime time, String instance) {
        RedisStore store = RedisStore.open(RedisStoreOptions.builder(r.uri(), sim.apiKey()).instanceId(instance)
                .shards(16).lease(Duration.ofSeconds(3)).renewEvery(Duration.ofMillis(500))
                .scanEvery(Duration.ofMillis(200)).build());
        TaskpollClient c = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .storeTimeout(Duration.ofMinutes(10)) // on x60 time: 10 real seconds
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).store(store)
                        .fleet(FleetOptions.disabled())
                        .policy(Family.VEO, PollPolicy.of(Duration.ofSeconds(10), Duration.ofHours(1))).build())
                .build());
        open.add(c);
        assertThat(c.hints()).as("callbacks go through Redis to the holder").isSameAs(store.hints());
        return c;
    }

    private static void until(BooleanSupplier done, String what) {
        dev.taskpoll.testkit.Await.until(done, WAIT, what);
    }

    @Test
    void threeInstancesShareTheTasksAndASurvivorFinishesWhatADeadOneHeld() {
        RedisServer r = RedisServer.startOrSkip(dir.resolve("redis"));
        open.add(r);
        SimTime time = SimTime.accelerated(60);
        Simulator sim = Simulator.builder().time(time).failureRate(0.1).seed(7)
                .generationTime(Duration.ofSeconds(60), Duration.ofSeconds(180)).build().start();
        open.add(sim);
        List<TaskpollClient> clients = List.of(client(r, sim, time, "a"), client(r, sim, time, "b"),
                client(r, sim, time, "c"));
        List<RedisStore> stores = clients.stream().map(c -> (RedisStore) c.options().trackerOptions().store())
                .toList();
        until(() -> stores.stream().mapToInt(RedisStore::heldShards).sum() == 16
                && stores.stream().allMatch(s -> s.heldShards() >= 4), "16 shards shared by three");
        Map<String, TaskStatus> lastSeen = new ConcurrentHashMap<>();
        Map<String, Integer> submittedBy = new ConcurrentHashMap<>();
        for (int i = 0; i < 60; i++) {
            int k = i % 3;
            Submission s = clients.get(k).submit(GenerationRequest.builder(Family.VEO, "veo_3_1_fast")
                    .prompt("cluster " + i).build()).block(WAIT);
            submittedBy.put(s.taskId(), k);
            clients.get(k).track(s).subscribe(st -> lastSeen.put(st.taskId(), st), e -> { });
        }
        // one instance dies a moment in (its leases are neither renewed nor given back)
        until(() -> lastSeen.values().stream().filter(TaskStatus::isTerminal).count() >= 5, "a few ended");
        stores.get(0).crashForTest();
        clients.get(0).close();
        until(() -> stores.get(1).heldShards() + stores.get(2).heldShards() == 16, "the survivors hold all");
        until(() -> submittedBy.keySet().stream().allMatch(id -> {
            TaskRecord rec = stores.get(1).task(id).block(WAIT);
            return rec != null && rec.phase() == TaskRecord.Phase.ENDED;
        }), "every task ended in the store");
        for (String id : submittedBy.keySet()) {
            TaskTruth truth = sim.truth(id).orElseThrow();
            TaskRecord rec = stores.get(1).task(id).block(WAIT);
            assertThat(rec.last().rawStatus()).as(id).isEqualTo(truth.outcome().raw());
            assertThat(rec.history().stream().filter(TaskStatus::isTerminal)).as(id + ": one terminal entry")
                    .hasSize(1);
            if (submittedBy.get(id) != 0) { // a survivor's subscriber saw the end, whoever polled the task
                until(() -> lastSeen.get(id) != null && lastSeen.get(id).isTerminal(), id + " seen ended");
                assertThat(lastSeen.get(id).rawStatus()).isEqualTo(truth.outcome().raw());
            }
        }
        assertThat(sim.overlappingStatusQueries()).as("two pollers of one task at once").isEmpty();
    }

    /**
     * A client whose store only records tracks what it is asked to as a client without a store: it polls the task to
     * its end itself, captures its result, and records nothing of it. It used to record the task and wait for a holder
     * to poll it (forever, with no instance tracking), and its capture was refused for want of a lease.
     */
    @Test
    void aClientThatOnlyRecordsTracksATaskItselfAndRecordsNothingOfIt() throws Exception {
        RedisServer r = RedisServer.startOrSkip(dir.resolve("redis"));
        open.add(r);
        SimTime time = SimTime.accelerated(60);
        Simulator sim = Simulator.builder().time(time).failureRate(0).seed(7)
                .generationTime(Duration.ofSeconds(60), Duration.ofSeconds(120)).build().start();
        open.add(sim);
        RedisStore store = RedisStore.open(RedisStoreOptions.builder(r.uri(), sim.apiKey()).tracking(false).build());
        Path out = dir.resolve("out");
        TaskpollClient c = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .capture(dev.taskpoll.capture.CaptureOptions.builder(out).allowPlainHttpOnLoopback(true).build())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).store(store)
                        .fleet(FleetOptions.disabled()).build())
                .build());
        open.add(c);
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        List<dev.taskpoll.TaskEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        open.add(c.events().subscribe(events::add)::dispose);
        TaskStatus last = c.track(dev.taskpoll.TaskRef.of(id, Family.VEO, "veo_3_1_fast")).blockLast(WAIT);
        assertThat(last.state()).isEqualTo(dev.taskpoll.TaskState.COMPLETED);
        assertThat(events).filteredOn(e -> e instanceof dev.taskpoll.capture.CaptureEvent)
                .as("stored, and its record not attempted").singleElement()
                .isInstanceOf(dev.taskpoll.capture.CaptureEvent.Stored.class);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(out)) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile)).as("its result, stored").hasSize(1);
        }
        assertThat(store.task(id).block(WAIT)).as("the task in Redis").isNull();
    }

    /**
     * A dead instance stops counting as live after two renewals, while its leases still have a lease's time to run:
     * when they come free, the survivor's share already covers them and its next cycle takes every one (counted live
     * for the whole lease, the dead one kept the survivor's share at half, and the other half waited a cycle more).
     */
    @Test
    void aDeadInstanceIsNoLongerCountedLiveBeforeItsLeasesExpire() {
        RedisServer r = RedisServer.startOrSkip(dir.resolve("redis"));
        open.add(r);
        java.util.function.Function<String, RedisStore> store = name -> {
            RedisStore s = RedisStore.open(RedisStoreOptions.builder(r.uri(), "sim-key").instanceId(name).shards(16)
                    .lease(Duration.ofSeconds(4)).renewEvery(Duration.ofMillis(500)).build());
            open.add(s);
            return s;
        };
        RedisStore a = store.apply("a");
        until(() -> a.heldShards() == 16, "a holds every shard");
        RedisStore b = store.apply("b");
        until(() -> a.heldShards() == 8 && b.heldShards() == 8 && b.liveInstances() == 2, "8 shards each");
        Keys keys = new Keys(RedisStoreOptions.builder(r.uri(), "sim-key").build().namespace(), 16);
        io.lettuce.core.RedisClient probe = io.lettuce.core.RedisClient.create(r.uri());
        open.add(probe::shutdown);
        io.lettuce.core.api.sync.RedisCommands<String, String> redis = probe.connect().sync();
        a.crashForTest();
        until(() -> b.liveInstances() == 1, "b counts itself alone");
        List<Long> ttls = new ArrayList<>();
        for (int s = 0; s < 16; s++) {
            String holder = redis.get(keys.lease(s));
            if (holder != null && holder.startsWith("a|")) {
                ttls.add(redis.pttl(keys.lease(s)));
            }
        }
        // a beat last at most a renewal before it died, and renewed its leases right after; b counted it out one
        // window (1 s) after that beat: a's leases have about 3 s left
        assertThat(ttls).as("a's leases, when b stopped counting a").hasSize(8).allMatch(t -> t > 1_000);
        until(() -> b.heldShards() == 16, "b takes a's shards when they expire");
    }

    /**
     * An instance that beats but never takes its share (one starting slowly, stuck, or killed before it took any)
     * leaves its share of the shards without a holder; once they have had none for a lease, an instance at its share
     * takes them, while the other still counts as live (before, they waited until it was counted out: for ever while
     * it beats).
     */
    @Test
    void shardsLeftWithoutAHolderForALeaseAreTakenWhateverTheShare() throws Exception {
        RedisServer r = RedisServer.startOrSkip(dir.resolve("redis"));
        open.add(r);
        String ns = RedisStoreOptions.builder(r.uri(), "sim-key").build().namespace();
        Keys keys = new Keys(ns, 16);
        io.lettuce.core.RedisClient probe = io.lettuce.core.RedisClient.create(r.uri());
        open.add(probe::shutdown);
        io.lettuce.core.api.sync.RedisCommands<String, String> redis = probe.connect().sync();
        java.util.concurrent.ScheduledExecutorService ghost = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        open.add(ghost::shutdownNow);
        // "ghost" beats as an instance does (Redis's clock), and never takes a shard
        ghost.scheduleAtFixedRate(() -> redis.eval(Scripts.HEARTBEAT, io.lettuce.core.ScriptOutputType.MULTI,
                new String[] {keys.instances()}, "ghost", "1000"), 0, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
        RedisStore a = RedisStore.open(RedisStoreOptions.builder(r.uri(), "sim-key").instanceId("a").shards(16)
                .lease(Duration.ofSeconds(3)).renewEvery(Duration.ofMillis(500)).build());
        open.add(a);
        until(() -> a.liveInstances() == 2 && a.heldShards() == 8, "a holds its share of two instances'");
        dev.taskpoll.testkit.Await.until(() -> a.heldShards() == 16, Duration.ofSeconds(20),
                "a takes the shards the ghost leaves without a holder");
        assertThat(a.liveInstances()).as("the ghost still counted").isEqualTo(2);
    }

    /**
     * Each heartbeat carries how long its instance counts as live (two of its renewals): an instance with a short lease
     * counts one with a long lease live between that one's rarer heartbeats (it used its own window for everyone, so
     * a worker given {@code --lease 5s} counted a default one dead between its beats, and shares flapped).
     */
    @Test
    void instancesWithDifferentLeasesCountEachOtherByTheirOwnWindows() {
        RedisServer r = RedisServer.startOrSkip(dir.resolve("redis"));
        open.add(r);
        Keys keys = new Keys(RedisStoreOptions.builder(r.uri(), "sim-key").build().namespace(), 16);
        io.lettuce.core.RedisClient probe = io.lettuce.core.RedisClient.create(r.uri());
        open.add(probe::shutdown);
        io.lettuce.core.api.sync.RedisCommands<String, String> redis = probe.connect().sync();
        java.util.function.BiFunction<String, String, long[]> beat = (instance, windowMs) -> {
            java.util.List<Object> res = redis.eval(Scripts.HEARTBEAT, io.lettuce.core.ScriptOutputType.MULTI,
                    new String[] {keys.instances()}, instance, windowMs);
            return new long[] {((Number) res.get(0)).longValue(), ((Number) res.get(1)).longValue()};
        };
        long[] slow = beat.apply("slow", "10000"); // renews every 5 s: live for 10 s after each beat
        assertThat(slow[0]).isEqualTo(1);
        awaitRedisClockPast(redis, slow[1] + 5); // Redis's own clock moves on: an event, not a sleep
        assertThat(beat.apply("fast", "2")[0]).as("the slow one counted by its window, not the fast one's 2 ms")
                .isEqualTo(2);
        long[] after = beat.apply("slow", "10000");
        awaitRedisClockPast(redis, after[1] + 5);
        assertThat(beat.apply("slow", "10000")[0]).as("the fast one out once its own window ran out").isEqualTo(1);
    }

    /**
     * Leases another instance took meanwhile (as after this one was paused past its lease) are found lost at one
     * renewal and said in one line naming them all; a woken worker printed one line per shard (up to 64) before.
     */
    @Test
    void leasesFoundLostAtARenewalAreSaidInOneLine() {
        RedisServer r = RedisServer.startOrSkip(dir.resolve("redis"));
        open.add(r);
        LogCapture log = LogCapture.of(java.util.logging.Level.WARNING, Leases.class.getName());
        open.add(log);
        RedisStore a = RedisStore.open(RedisStoreOptions.builder(r.uri(), "sim-key").instanceId("a").shards(16)
                .lease(Duration.ofSeconds(30)).renewEvery(Duration.ofMillis(300)).build());
        open.add(a);
        until(() -> a.heldShards() == 16, "a holds every shard");
        Keys keys = new Keys(RedisStoreOptions.builder(r.uri(), "sim-key").build().namespace(), 16);
        io.lettuce.core.RedisClient probe = io.lettuce.core.RedisClient.create(r.uri());
        open.add(probe::shutdown);
        io.lettuce.core.api.sync.RedisCommands<String, String> redis = probe.connect().sync();
        for (int s : new int[] {11, 2, 7}) { // taken by another instance behind a's back, for longer than this test
            redis.psetex(keys.lease(s), 600_000, "other|token");
        }
        until(() -> a.heldShards() == 13 && log.messages().stream().anyMatch(w -> w.contains("lost")),
                "a lets the three go at its next renewal, and says so");
        List<String> lost = log.messages().stream().filter(w -> w.contains("lost")).toList();
        assertThat(lost).as("all warnings: %s", log.messages()).hasSize(1);
        assertThat(lost.get(0)).contains("the leases of 3 shards [2, 7, 11] were lost").contains("their tasks");
    }

    /** Asks Redis its time ({@code TIME}) until it reads past {@code ms}. */
    private static void awaitRedisClockPast(io.lettuce.core.api.sync.RedisCommands<String, String> redis, long ms) {
        for (int i = 0; i < 100_000; i++) {
            java.util.List<String> t = redis.time();
            if (Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000 > ms) {
                return;
            }
        }
        throw new AssertionError("Redis's clock did not pass " + ms);
    }
}
