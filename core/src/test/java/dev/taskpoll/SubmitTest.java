package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.RetryAfterMode;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Submitting over HTTP against the simulator: every family end to end, and when a submit may be sent again. */
class SubmitTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private Simulator sim;
    private TaskpollClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private void start(Simulator.Builder simulator, SimTime time) {
        sim = simulator.time(time).seed(9).build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .responseTimeout(Duration.ofSeconds(2))
                .trackerOptions(TrackerOptions.builder().fixedGrid().scheduler(time.scheduler()).build())
                .build());
    }

    private static GenerationRequest sample(Family f) {
        String model = f.models().get(0);
        return switch (f) {
            case VIDEOS -> GenerationRequest.videos(model, "a cat", 5).build();
            case GENERIC_TASK -> GenerationRequest.task(model, Map.of("prompt", "a cat")).build();
            default -> GenerationRequest.builder(f, model).prompt("a cat").build();
        };
    }

    @Test
    void aSubmissionIsTrackedFromItsCreateAnswerWithThePolicyItCarries() {
        // virtual time for both sides: the simulator follows the scheduler the client's timer runs on, and the test
        // moves the clock 5 s at a time once the previous poll's answer has armed the next one (an event, not a wait)
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        ArmCountingScheduler scheduler = new ArmCountingScheduler(vts);
        sim = Simulator.builder().time(SimTime.following(vts)).seed(9)
                .generationTime(Duration.ofMinutes(2), Duration.ofMinutes(2)).build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(TrackerOptions.builder().fixedGrid().scheduler(scheduler).phaseSpread(0).build()).build());
        Submission submission = client.submit(sample(Family.VEO)).block(WAIT);
        PollPolicy everyFiveSeconds = PollPolicy.of(Duration.ofSeconds(5), Duration.ofMinutes(30));
        List<TaskStatus> statuses = new CopyOnWriteArrayList<>();
        AtomicBoolean ended = new AtomicBoolean();
        client.track(submission.withPolicy(everyFiveSeconds)).doOnTerminate(() -> ended.set(true))
                .subscribe(statuses::add);
        for (int poll = 1; !ended.get(); poll++) {
            assertThat(poll).as("polls before the end").isLessThanOrEqualTo(24);
            int before = scheduler.armed();
            // the poll arms the task's deadline as it starts, and its answer arms the next poll
            vts.advanceTimeBy(Duration.ofSeconds(5));
            int expected = poll;
            await(() -> sim.truth(submission.taskId()).orElseThrow().polls().size() == expected);
            await(() -> ended.get() || scheduler.armed() >= before + 2);
        }
        assertThat(statuses.get(0)).isSameAs(submission.status());
        assertThat(statuses.get(statuses.size() - 1).state()).isEqualTo(TaskState.COMPLETED);
        assertThat(statuses.stream().filter(TaskStatus::isTerminal)).hasSize(1);
        // generated in exactly two minutes, polled every 5 s from the create answer: the 24th poll sees it done
        // (the family's own 30 s would have taken 4)
        assertThat(sim.truth(submission.taskId()).orElseThrow().polls()).hasSize(24);
        vts.dispose();
    }

    /** Waits for an event: the condition is checked every millisecond, for at most {@link #WAIT}. */
    private static void await(BooleanSupplier condition) {
        long until = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("still waiting after " + WAIT).isLessThan(until);
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void everyFamilyIsSubmittedAndTrackedToItsEnd() {
        start(Simulator.builder().generationTime(Duration.ofSeconds(20), Duration.ofMinutes(2)),
                SimTime.accelerated(300));
        for (Family f : List.of(Family.values())) {
            List<TaskStatus> statuses = client.submitAndTrack(sample(f)).collectList().block(WAIT);
            assertThat(statuses).as(f.name()).isNotEmpty();
            TaskStatus first = statuses.get(0);
            TaskStatus last = statuses.get(statuses.size() - 1);
            assertThat(first.state()).as(f.name()).isEqualTo(TaskState.QUEUED);
            assertThat(first.rawStatus()).as(f.name())
                    .isEqualTo(f.createShape() == Family.CreateShape.CODE_ENVELOPE ? "submitted" : "queued");
            assertThat(statuses).as(f.name()).allMatch(s -> s.taskId().equals(first.taskId()));
            assertThat(last.state()).as(f.name()).isEqualTo(TaskState.COMPLETED);
            assertThat(last.resultUrls()).as(f.name()).hasSize(1);
            assertThat(statuses.stream().filter(TaskStatus::isTerminal)).as(f.name()).hasSize(1);
            assertThat(sim.truth(first.taskId()).orElseThrow().model()).isEqualTo(f.models().get(0));
        }
        assertThat(sim.createCalls()).isEqualTo(List.of(Family.values()).size());
    }

    /**
     * The envelope families' create answers in each form the fact sheet found (the id as {@code data.projectId},
     * {@code data.id} with an integer code, or {@code id} at the top), end to end against the simulator.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(dev.taskpoll.testkit.EnvelopeForm.class)
    void everyFormOfTheCodeEnvelopeIsSubmittedAndTracked(dev.taskpoll.testkit.EnvelopeForm form) {
        start(Simulator.builder().envelopeForm(form).generationTime(Duration.ofSeconds(20), Duration.ofSeconds(40)),
                SimTime.accelerated(300));
        for (Family f : List.of(Family.VIDEOS, Family.SD2_MANXUE)) {
            List<TaskStatus> statuses = client.submitAndTrack(sample(f)).collectList().block(WAIT);
            TaskStatus last = statuses.get(statuses.size() - 1);
            assertThat(last.state()).as(form + " " + f).isEqualTo(TaskState.COMPLETED);
            assertThat(sim.truth(last.taskId())).as(form + " " + f + ": the simulator's id").isPresent();
        }
        assertThat(sim.createCalls()).isEqualTo(2);
    }

    @Test
    void aSubmitRefusedWith429IsSentAgainAfterRetryAfter() {
        // one create per 10 simulated seconds = one per real second at 10x: sequential submits are throttled
        // whatever the machine's speed, and Retry-After (10 s simulated) costs one real second each
        start(Simulator.builder().quota(0.1, RetryAfterMode.SECONDS), SimTime.accelerated(10));
        List<Submission> done = Flux.range(0, 3).concatMap(i -> client.submit(sample(Family.VEO))).collectList()
                .block(WAIT);
        assertThat(done).hasSize(3).extracting(Submission::taskId).doesNotHaveDuplicates();
        assertThat(sim.truths()).hasSize(3);
        assertThat(sim.createCalls()).isGreaterThan(3);
        assertThat(sim.throttledResponses()).isEqualTo(sim.createCalls() - 3);
    }

    @Test
    void aServerErrorAfterSendingIsNeverSentAgain() {
        start(Simulator.builder().faults(Faults.parse("5xx=1")).faultsOnCreate(true), SimTime.realTime());
        StepVerifier.create(client.submit(sample(Family.SORA)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(SubmitOutcomeUnknownException.class)
                            .hasMessageContaining("SORA").hasMessageContaining("HTTP 50")
                            .hasMessageContaining("not submitted again");
                    assertThat(((SubmitOutcomeUnknownException) e).httpStatus()).isIn(500, 503);
                })
                .verify(WAIT);
        assertThat(sim.createCalls()).isEqualTo(1);
    }

    @Test
    void aConnectionLostAfterSendingIsNeverSentAgain() {
        start(Simulator.builder().faults(Faults.parse("reset=1")).faultsOnCreate(true), SimTime.realTime());
        StepVerifier.create(client.submit(sample(Family.VEO)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SubmitOutcomeUnknownException.class)
                        .hasMessageContaining("no response"))
                .verify(WAIT);
        assertThat(sim.createCalls()).isEqualTo(1);
    }

    @Test
    void aStalledSubmitTimesOutAndIsNeverSentAgain() {
        start(Simulator.builder().faults(Faults.parse("stall=1,stallFor=PT1M")).faultsOnCreate(true),
                SimTime.realTime());
        StepVerifier.create(client.submit(sample(Family.VEO)))
                .expectError(SubmitOutcomeUnknownException.class)
                .verify(WAIT);
        assertThat(sim.createCalls()).isEqualTo(1);
    }

    @Test
    void aRefusedConnectionIsRetriedThenReportedAsNotSent() {
        Simulator closed = Simulator.builder().build().start();
        String url = closed.baseUrl();
        closed.close();
        SubmitRetry fast = new SubmitRetry(3, new Backoff(Duration.ofMillis(10), Duration.ofMillis(10), 1, 0),
                SubmitRetry.defaults().throttleBackoff(), Duration.ofSeconds(1), Duration.ofMinutes(5));
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(url).apiKey("k").submitRetry(fast).build());
        StepVerifier.create(client.submit(sample(Family.VEO)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TransportException.class)
                        .hasMessageContaining("VEO submit not sent after 3 attempts")
                        .hasMessageContaining("no task was created"))
                .verify(WAIT);
    }

    /** A host that does not resolve: provably not sent, so retried, then reported as not sent (it was in doubt). */
    @Test
    void aHostThatDoesNotResolveIsRetriedThenReportedAsNotSent() {
        SubmitRetry fast = new SubmitRetry(3, new Backoff(Duration.ofMillis(10), Duration.ofMillis(10), 1, 0),
                SubmitRetry.defaults().throttleBackoff(), Duration.ofSeconds(1), Duration.ofMinutes(5));
        client = TaskpollClient.create(ClientOptions.builder().baseUrl("https://no.such.host.invalid").apiKey("k")
                .submitRetry(fast).build());
        StepVerifier.create(client.submit(sample(Family.VEO)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TransportException.class)
                        .hasMessageContaining("VEO submit not sent after 3 attempts")
                        .hasMessageContaining("unknown host no.such.host.invalid"))
                .verify(WAIT);
    }

    /**
     * A submit's answer is read with the client's byte cap (a declared length over it, or a chunked body running over
     * it: the outcome is unknown, not a heap filled on the event loop), and its body within the response timeout once
     * its headers came (a server dripping it held the submit for ever).
     */
    @Test
    void aSubmitsAnswerIsCappedAndItsBodyBounded() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        String big = "{\"id\":\"sora_" + "x".repeat(4000) + "\",\"status\":\"queued\"}";
        try (FakeHttp fake = FakeHttp.start((req, res) -> switch (calls.getAndIncrement()) {
            case 0 -> res.header("Content-Type", "application/json").sendString(reactor.core.publisher.Mono.just(big));
            case 1 -> res.header("Content-Type", "application/json").chunkedTransfer(true)
                    .sendString(reactor.core.publisher.Flux.range(0, 200).map(i -> "          ")); // 2,000 bytes
            default -> res.header("Content-Type", "application/json").chunkedTransfer(true)
                    .sendString(reactor.core.publisher.Flux.interval(Duration.ofMillis(100)).map(i -> " "));
        })) {
            client = TaskpollClient.create(ClientOptions.builder().baseUrl(fake.baseUrl()).apiKey("k")
                    .maxResponseBytes(1024).responseTimeout(Duration.ofSeconds(1)).build());
            for (int i = 0; i < 2; i++) {
                StepVerifier.create(client.submit(sample(Family.SORA)))
                        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SubmitOutcomeUnknownException.class)
                                .hasMessageContaining("HTTP 200 with an answer over 1024 bytes"))
                        .verify(WAIT);
            }
            StepVerifier.create(client.submit(sample(Family.SORA)))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SubmitOutcomeUnknownException.class)
                            .hasMessageContaining("no response within the response timeout"))
                    .verify(WAIT);
            assertThat(calls).as("none sent again").hasValue(3);
        }
    }

    /**
     * A created task's id is never dropped by the answer's other faults: an id sent as a number is the id, a status
     * that cannot be read leaves the task tracked from 'submitted', an id taskpoll cannot track is in the error, and
     * an envelope code other than "0" beside an id does not make the answer a refusal.
     */
    @Test
    void aCreatedTasksIdSurvivesTheAnswersOtherFaults() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        String[] bodies = {
                "{\"code\":\"0\",\"data\":{\"task_id\":12345}}",
                "{\"id\":\"video_x1\",\"status\":0}",
                "{\"id\":42,\"task_id\":\"t-abc\",\"status\":\"queued\"}",
                "{\"code\":200,\"msg\":\"success\",\"data\":{\"task_id\":\"elk-1\"}}"};
        try (FakeHttp fake = FakeHttp.start((req, res) -> res.header("Content-Type", "application/json")
                .sendString(reactor.core.publisher.Mono.just(bodies[calls.getAndIncrement()])))) {
            client = TaskpollClient.create(ClientOptions.builder().baseUrl(fake.baseUrl()).apiKey("k").build());
            assertThat(client.submit(sample(Family.VIDEOS)).block(WAIT).taskId()).isEqualTo("12345");
            Submission unreadable = client.submit(sample(Family.SORA)).block(WAIT);
            assertThat(unreadable.taskId()).isEqualTo("video_x1");
            assertThat(unreadable.status().rawStatus()).isEqualTo("submitted");
            assertThat(client.submit(sample(Family.SORA)).block(WAIT).taskId()).as("text wins over a number")
                    .isEqualTo("t-abc");
            // an envelope whose success code is not "0" (the generic dialect's answer is not documented): a task id
            // means a task was created, and it is not dropped as refused
            assertThat(client.submit(sample(Family.GENERIC_TASK)).block(WAIT).taskId()).isEqualTo("elk-1");
        }
    }

    /**
     * The generic task API is documented as ElkAPI's, on its own host with its own key: a generic submit through a
     * client on GlobalAI OPC's host (the default base URL) is refused before anything is sent, naming both.
     */
    @Test
    void aGenericSubmitToGlobalAisHostIsRefusedBeforeSending() {
        client = TaskpollClient.create(ClientOptions.builder().apiKey("k").build()); // the documented GlobalAI host
        StepVerifier.create(client.submit(sample(Family.GENERIC_TASK)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidRequestException.class)
                        .hasMessageContaining("baseUrl: 'https://zcbservice.aizfw.cn/kyyReactApiServer' is GlobalAI"
                                + " OPC's, and the generic task API is ElkAPI's (https://api.elkapi.com")
                        .hasMessageContaining("nothing was sent"))
                .verify(WAIT);
    }

    @Test
    void aRefusalCarriesTheServersReasonAndAnEnvelopeCodeOtherThanZeroIsARefusal() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try (FakeHttp fake = FakeHttp.start((req, res) -> {
            boolean first = calls.incrementAndGet() == 1;
            return res.status(first ? 400 : 200).header("Content-Type", "application/json")
                    .sendString(reactor.core.publisher.Mono.just(first
                            ? "{\"code\":\"400\",\"msg\":\"prompt: prohibited content\"}"
                            : "{\"code\":\"1001\",\"msg\":\"insufficient balance\",\"data\":null}"));
        })) {
            client = TaskpollClient.create(ClientOptions.builder().baseUrl(fake.baseUrl()).apiKey("k").build());
            StepVerifier.create(client.submit(sample(Family.VIDEOS)))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(SubmitRejectedException.class)
                                .hasMessage("VIDEOS submit rejected: HTTP 400, code 400");
                        assertThat(((SubmitRejectedException) e).serverMessage()).isEqualTo("prompt: prohibited content");
                    })
                    .verify(WAIT);
            StepVerifier.create(client.submit(sample(Family.VIDEOS)))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(SubmitRejectedException.class)
                                .hasMessage("VIDEOS submit rejected: HTTP 200, code 1001");
                        assertThat(((SubmitRejectedException) e).code()).isEqualTo("1001");
                        assertThat(((SubmitRejectedException) e).serverMessage()).isEqualTo("insufficient balance");
                    })
                    .verify(WAIT);
            assertThat(calls).hasValue(2);
            assertThat(fake.uris).containsOnly("/kyyReactApiServer/v1/videos/videos");
        }
    }

    @Test
    void theIdIsTakenFromIdOrDataProjectIdOrDataId() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        String[] bodies = {
                "{\"id\":\"sora_abc123def456\",\"object\":\"video.generation\",\"created\":1,\"model\":\"openAiSora2Plus\",\"status\":\"queued\"}",
                "{\"code\":\"0\",\"msg\":null,\"data\":{\"projectId\":\"proj_1234567890\"}}",
                "{\"code\":0,\"msg\":null,\"data\":{\"id\":\"proj_sd2manxue_1\"}}",
                "{\"code\":\"0\",\"msg\":null,\"data\":{}}",
                "{\"id\":\"..\",\"object\":\"video\",\"status\":\"queued\"}",
                "{\"id\":\"" + "a".repeat(TaskRef.MAX_ID_LENGTH + 1) + "\",\"status\":\"queued\"}"};
        try (FakeHttp fake = FakeHttp.start((req, res) -> res.header("Content-Type", "application/json")
                .sendString(reactor.core.publisher.Mono.just(bodies[calls.getAndIncrement()])))) {
            client = TaskpollClient.create(ClientOptions.builder().baseUrl(fake.baseUrl()).apiKey("k").build());
            Submission sora = client.submit(sample(Family.SORA)).block(WAIT);
            assertThat(sora.taskId()).isEqualTo("sora_abc123def456");
            assertThat(sora.policy()).isEqualTo(Family.SORA.defaultPolicy());
            assertThat(sora.status().state()).isEqualTo(TaskState.QUEUED);
            Submission videos = client.submit(sample(Family.VIDEOS)).block(WAIT);
            assertThat(videos.taskId()).isEqualTo("proj_1234567890");
            assertThat(videos.ref().shape()).as("the request's shape goes with the task").isEqualTo(videos.shape())
                    .isEqualTo(sample(Family.VIDEOS).shape()).isNotNull();
            assertThat(client.submit(sample(Family.SD2_MANXUE)).block(WAIT).taskId()).isEqualTo("proj_sd2manxue_1");
            StepVerifier.create(client.submit(sample(Family.VIDEOS)))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SubmitOutcomeUnknownException.class)
                            .hasMessageContaining("without a task id"))
                    .verify(WAIT);
            // an id that could not be queried or stored (GET /v1/result/.. is another path): the outcome is unknown
            StepVerifier.create(client.submit(sample(Family.SORA)))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SubmitOutcomeUnknownException.class)
                            .hasMessageContaining("a task id taskpoll cannot track (id: '..' is not a task id)"))
                    .verify(WAIT);
            StepVerifier.create(client.submit(sample(Family.SORA)))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SubmitOutcomeUnknownException.class)
                            .hasMessageContaining("length 513 must be between 1 and 512")
                            .hasMessageContaining("'" + "a".repeat(TaskRef.MAX_ID_LENGTH + 1) + "'"))
                    .verify(WAIT);
        }
    }

    @Test
    void aWrongKeyIsRejectedNotRetried() {
        start(Simulator.builder(), SimTime.realTime());
        TaskpollClient wrong = TaskpollClient.create(client.options().mutate().apiKey("not-the-key").build());
        try {
            StepVerifier.create(wrong.submit(sample(Family.SORA)))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SubmitRejectedException.class)
                            .hasMessageContaining("HTTP 401").hasMessageNotContaining("not-the-key"))
                    .verify(WAIT);
        } finally {
            wrong.close();
        }
        assertThat(sim.createCalls()).isEqualTo(1);
    }
}
