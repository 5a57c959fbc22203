package dev.taskpoll.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.Submission;
import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.TrackingStoppedException;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** A client with the embedded store, against the simulator: tracking that needs no subscriber and survives a restart. */
class DurableTrackingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Simulator sim;
    private SimTime time;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private void simulator(Simulator.Builder b) {
        time = SimTime.accelerated(600);
        sim = b.time(time).seed(4).build().start();
    }

    private TaskpollClient client(Path file, boolean capture) {
        ClientOptions.Builder b = ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .storeTimeout(Duration.ofMinutes(100)) // on x600 time: 10 real seconds
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler())
                        .store(SqliteStore.open(file)).build());
        if (capture) {
            b.capture(CaptureOptions.builder(dir.resolve("out")).allowPlainHttpOnLoopback(true).build());
        }
        return TaskpollClient.create(b.build());
    }

    private static GenerationRequest veo(int i) {
        return GenerationRequest.veo("veo_3_1_fast", "prompt " + i).build();
    }

    private static void await(String what, BooleanSupplier done) {
        long until = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("still waiting for: " + what).isLessThan(until);
            LockSupport.parkNanos(10_000_000);
        }
    }

    private static List<TaskRecord> records(TaskpollClient c, TaskRecord.Phase phase) {
        return c.tasks(phase).collectList().block(WAIT);
    }

    /** Capture attached to a task's stream (as the demo does) records each file in the store, as the client's hook. */
    @Test
    void filesStoredThroughAttachAreRecordedInTheStore() throws Exception {
        simulator(Simulator.builder().generationTime(Duration.ofSeconds(60), Duration.ofSeconds(120)).failureRate(0));
        Path file = dir.resolve("attach.db");
        try (TaskpollClient client = client(file, false);
             dev.taskpoll.capture.ResultCapture capture = dev.taskpoll.capture.ResultCapture.create(client,
                     CaptureOptions.builder(dir.resolve("attached")).allowPlainHttpOnLoopback(true).build())) {
            List<TaskEvent> events = capture.attach(client.submitAndTrack(veo(1))).collectList().block(WAIT);
            CaptureEvent.Stored stored = events.stream().filter(e -> e instanceof CaptureEvent.Stored)
                    .map(e -> (CaptureEvent.Stored) e).findFirst().orElseThrow();
            TaskRecord r = client.task(stored.taskId()).block(WAIT);
            assertThat(r.files()).singleElement().satisfies(f -> {
                assertThat(f.path()).isEqualTo(stored.path().toString());
                assertThat(f.size()).isEqualTo(stored.size()).isEqualTo(Files.size(Path.of(f.path())));
                assertThat(f.sha256()).isEqualTo(stored.sha256());
            });
        }
    }

    @Test
    void aSubmittedTaskIsTrackedToItsEndWithNobodySubscribedAndItsResultsCaptured() throws Exception {
        simulator(Simulator.builder().generationTime(Duration.ofSeconds(60), Duration.ofSeconds(120)));
        Path file = dir.resolve("tasks.db");
        try (TaskpollClient client = client(file, true)) {
            List<TaskEvent> events = new CopyOnWriteArrayList<>();
            Disposable feed = client.events().subscribe(events::add);
            List<String> ids = Flux.range(0, 12).concatMap(i -> client.submit(veo(i))).map(Submission::taskId)
                    .collectList().block(WAIT);
            await("12 tasks ended", () -> records(client, TaskRecord.Phase.ENDED).size() == 12);
            feed.dispose();
            for (String id : ids) {
                TaskRecord r = client.task(id).block(WAIT);
                TaskTruth truth = sim.truth(id).orElseThrow();
                assertThat(r.last().state()).as(id).isEqualTo(TaskState.fromRaw(truth.outcome().raw()));
                assertThat(r.history()).as(id).extracting(TaskStatus::rawStatus).startsWith("queued")
                        .endsWith(truth.outcome().raw());
                assertThat(r.request()).as(id).contains("\"prompt\"");
                if (r.last().state() == TaskState.COMPLETED) {
                    assertThat(r.error()).as(id).isNull();
                    assertThat(r.files()).as(id).singleElement().satisfies(f -> {
                        byte[] bytes = Files.readAllBytes(Path.of(f.path()));
                        assertThat(bytes).hasSize((int) f.size());
                        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                                .isEqualTo(f.sha256());
                    });
                }
            }
            assertThat(events).filteredOn(e -> e instanceof CaptureEvent.Stored).hasSize(
                    (int) ids.stream().filter(id -> sim.truth(id).orElseThrow().outcome().raw().equals("completed"))
                            .count());
            assertThat(client.tracker().activeTasks()).isZero();
        }
    }

    @Test
    void openTasksResumeAfterARestartWithTheirDeadlineAndGridAndNothingIsSentTwice() {
        simulator(Simulator.builder().generationTime(Duration.ofMinutes(10), Duration.ofMinutes(15)));
        Path file = dir.resolve("restart.db");
        List<String> ids;
        List<TaskRecord> before;
        try (TaskpollClient first = client(file, false)) {
            ids = Flux.range(0, 20).concatMap(i -> first.submit(veo(i))).map(Submission::taskId).collectList()
                    .block(WAIT);
            before = records(first, TaskRecord.Phase.OPEN);
            // a subscriber of the first client learns that tracking stopped, not that the task failed
            StepVerifier.create(first.track(TaskRef.of(ids.get(0), Family.VEO)).filter(TaskStatus::isTerminal))
                    .then(first::close)
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(TrackingStoppedException.class,
                            t -> assertThat(t.resumes()).isTrue()))
                    .verify(WAIT);
            StepVerifier.create(first.track(TaskRef.of(ids.get(1), Family.VEO)))
                    .expectError(TrackingStoppedException.class).verify(WAIT);
        }
        assertThat(before).hasSize(20);
        try (TaskpollClient second = client(file, false)) {
            await("20 tasks ended after the restart", () -> records(second, TaskRecord.Phase.ENDED).size() == 20);
            for (String id : ids) {
                TaskRecord r = second.task(id).block(WAIT);
                assertThat(r.last().rawStatus()).as(id).isEqualTo(sim.truth(id).orElseThrow().outcome().raw());
                assertThat(r.history().stream().filter(TaskStatus::isTerminal)).as(id).hasSize(1);
            }
        }
        assertThat(sim.createCalls()).as("no create sent twice").isEqualTo(20);
    }

    @Test
    void aSubmitCutOffBeforeItsAnswerIsInDoubtAndNeverSentAgain() {
        simulator(Simulator.builder().createDelay(Duration.ofHours(1)));
        Path file = dir.resolve("doubt.db");
        TaskpollClient first = client(file, false);
        Disposable pending = first.submit(veo(1)).subscribe(s -> { }, e -> { });
        await("the create request reached the simulator", () -> sim.createCalls() == 1);
        first.close(); // the process goes, the answer never comes
        pending.dispose();
        try (TaskpollClient second = client(file, false)) {
            List<TaskRecord> doubt = records(second, TaskRecord.Phase.IN_DOUBT);
            assertThat(doubt).singleElement().satisfies(r -> {
                assertThat(r.id()).isNull();
                assertThat(r.kind()).isEqualTo(Family.VEO);
                assertThat(r.request()).contains("prompt 1");
            });
            assertThat(records(second, TaskRecord.Phase.OPEN)).isEmpty();
        }
        assertThat(sim.createCalls()).as("never sent again").isEqualTo(1);
    }

    @Test
    void aRefusedSubmitIsNotInDoubt() {
        simulator(Simulator.builder());
        // the API refuses the request (401: a wrong key): no task was created, so nothing is in doubt
        try (TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl())
                .apiKey("not-the-key").trackerOptions(TrackerOptions.builder().scheduler(time.scheduler())
                        .store(SqliteStore.open(dir.resolve("refused.db"))).build()).build())) {
            StepVerifier.create(client.submit(veo(1))).expectError(dev.taskpoll.SubmitRejectedException.class)
                    .verify(WAIT);
            assertThat(records(client, null)).isEmpty();
        }
        assertThat(sim.createCalls()).isEqualTo(1);
    }

    /**
     * A crash between the poll that saw a task completed and the end of its capture leaves the task open in the store
     * with its completed status: here the store is made to hold exactly that, as such a crash leaves it.
     */
    private String completedButNotCaptured(Path file, Duration observedAgo) {
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        TaskStatus done = null;
        try (TaskpollClient probe = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl())
                .apiKey(sim.apiKey()).trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build())
                .build())) {
            while (done == null || !done.isTerminal()) {
                LockSupport.parkNanos(20_000_000);
                done = probe.status(TaskRef.of(id, Family.VEO)).block(WAIT);
            }
        }
        TaskStatus seen = new TaskStatus(done.taskId(), done.state(), done.rawStatus(), done.model(),
                done.createdAt(), done.resultUrls(), done.error(), done.actualDuration(), done.totalTokens(),
                time.now().minus(observedAgo));
        try (SqliteStore store = SqliteStore.open(file)) {
            TaskRef ref = TaskRef.of(id, Family.VEO, "veo_3_1_fast").withPolicy(Family.VEO.defaultPolicy());
            store.started(new dev.taskpoll.spi.TaskStore.Tracked(ref, time.now(), time.now().plusSeconds(1800),
                    time.nowMillis() + 30_000, null)).block(WAIT);
            store.status(ref, seen).block(WAIT);
        }
        return id;
    }

    @Test
    void aCompletedTaskWhoseCaptureDidNotFinishIsCapturedWhenItResumesWithoutAnotherPoll() {
        simulator(Simulator.builder().generationTime(Duration.ofSeconds(30), Duration.ofSeconds(30)));
        Path file = dir.resolve("capture.db");
        String id = completedButNotCaptured(file, Duration.ofMinutes(5));
        int polls = sim.truth(id).orElseThrow().polls().size();
        try (TaskpollClient resumed = client(file, true)) {
            await("the resumed task ended", () -> records(resumed, TaskRecord.Phase.ENDED).size() == 1);
            TaskRecord r = resumed.task(id).block(WAIT);
            assertThat(r.state()).isEqualTo("COMPLETED");
            assertThat(r.error()).isNull();
            assertThat(r.files()).singleElement().satisfies(f -> assertThat(Path.of(f.path())).exists());
        }
        assertThat(sim.truth(id).orElseThrow().polls()).as("not polled again").hasSize(polls);
    }

    /**
     * A task whose completion was seen before the restart is not taught to the cadence again at its resume: it was
     * learned when it was seen, and at the resume it would have been learned as taking until the restart.
     */
    @Test
    void aCompletedTaskResumedFromItsRecordIsNotLearnedAgain() {
        simulator(Simulator.builder().generationTime(Duration.ofSeconds(30), Duration.ofSeconds(30)));
        Path file = dir.resolve("learned.db");
        String id = completedButNotCaptured(file, Duration.ofMinutes(5));
        List<String> taught = new CopyOnWriteArrayList<>();
        dev.taskpoll.spi.Cadence grid = new dev.taskpoll.spi.Cadence() {
            @Override
            public long firstPoll(Task task, long now) {
                return now + 30_000;
            }

            @Override
            public long nextPoll(Task task, long now) {
                return now + 30_000;
            }

            @Override
            public void ended(Task task, TaskStatus terminal, long now) {
                taught.add(terminal.taskId() + " " + terminal.rawStatus());
            }
        };
        try (TaskpollClient resumed = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl())
                .apiKey(sim.apiKey()).capture(CaptureOptions.builder(dir.resolve("out"))
                        .allowPlainHttpOnLoopback(true).build())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).cadence(grid)
                        .store(SqliteStore.open(file)).build()).build())) {
            await("the resumed task ended", () -> records(resumed, TaskRecord.Phase.ENDED).size() == 1);
            assertThat(resumed.task(id).block(WAIT).files()).hasSize(1);
        }
        assertThat(taught).isEmpty();
    }

    @Test
    void aCompletedTaskWhoseUrlsExpiredMeanwhileEndsNamingWhen() {
        simulator(Simulator.builder().generationTime(Duration.ofSeconds(30), Duration.ofSeconds(30)));
        Path file = dir.resolve("expired.db");
        String id = completedButNotCaptured(file, Duration.ofHours(25));
        try (TaskpollClient resumed = client(file, true)) {
            await("the resumed task ended", () -> records(resumed, TaskRecord.Phase.ENDED).size() == 1);
            TaskRecord r = resumed.task(id).block(WAIT);
            assertThat(r.state()).isEqualTo("COMPLETED");
            assertThat(r.error()).contains(id).contains("result URL expired at ");
            assertThat(r.files()).isEmpty();
        }
    }

    /**
     * A client whose store only records (another process tracks the file) tracks what it is asked to as a client
     * without a store: it polls the task to its end itself, stores its result, and writes nothing of it. It used to
     * insert the task into the file, where the file's tracker picked it up and polled it too.
     */
    @Test
    void aClientThatOnlyRecordsTracksATaskAsWithoutAStoreAndAddsNothingToTheFile() {
        simulator(Simulator.builder().generationTime(Duration.ofSeconds(60), Duration.ofSeconds(120)).failureRate(0));
        Path file = dir.resolve("shared.db");
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        try (TaskpollClient tracker = client(file, false);
             TaskpollClient recorder = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl())
                     .apiKey(sim.apiKey()).capture(CaptureOptions.builder(dir.resolve("recorder"))
                             .allowPlainHttpOnLoopback(true).build())
                     .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler())
                             .store(SqliteStore.open(file, SqliteStoreOptions.builder().tracking(false).build()))
                             .build()).build())) {
            List<TaskEvent> events = new CopyOnWriteArrayList<>();
            Disposable feed = recorder.events().subscribe(events::add);
            TaskStatus last = recorder.track(TaskRef.of(id, Family.VEO, "veo_3_1_fast")).blockLast(WAIT);
            feed.dispose();
            assertThat(last.state()).isEqualTo(TaskState.COMPLETED);
            assertThat(events).filteredOn(e -> e instanceof CaptureEvent).as("stored, and its record not attempted")
                    .singleElement().isInstanceOf(CaptureEvent.Stored.class);
            assertThat(recorder.task(id).block(WAIT)).as("the task in the file").isNull();
            assertThat(records(tracker, null)).isEmpty();
        }
    }

    @Test
    void aSecondClientOfTheSameFileIsRefusedNamingTheHolder() {
        simulator(Simulator.builder());
        Path file = dir.resolve("one.db");
        try (TaskpollClient first = client(file, false)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client(file, false))
                    .isInstanceOf(dev.taskpoll.TaskStoreException.class)
                    .hasMessageContaining("already tracked by this process (pid "
                            + ProcessHandle.current().pid() + "), by a store of it that is not closed");
            assertThat(first.tasks(null).collectList().block(WAIT)).isEmpty();
        }
    }
}
