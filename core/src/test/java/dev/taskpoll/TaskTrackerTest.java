package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Exact poll, back-off and deadline schedules, on virtual time. */
class TaskTrackerTest {

    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final ScriptedSource source = new ScriptedSource(vts);

    private TaskTracker tracker() {
        return tracker(TrackerOptions.builder().fixedGrid());
    }

    private TaskTracker tracker(TrackerOptions.Builder options) {
        // random 0.5 puts every back-off in the middle of its jitter band: exact delays; no phase: the exact grid
        return TaskTracker.create(Map.of(Dialect.OPC, source),
                options.scheduler(vts).random(() -> 0.5).phaseSpread(0).build());
    }

    private static TaskRef sora(String id) {
        return TaskRef.of(id, Family.SORA);
    }

    /** A second close does nothing: the cadence is unbound (and asked to save what it learned) once. */
    @Test
    void closingTwiceClosesOnce() {
        List<String> calls = new CopyOnWriteArrayList<>();
        dev.taskpoll.spi.Cadence counting = new dev.taskpoll.spi.Cadence() {
            @Override
            public long firstPoll(Task task, long now) {
                return now + 30_000;
            }

            @Override
            public long nextPoll(Task task, long now) {
                return now + 30_000;
            }

            @Override
            public void unbind(Host host) {
                calls.add("unbind");
            }
        };
        TaskTracker tracker = tracker(TrackerOptions.builder().cadence(counting));
        tracker.close();
        tracker.close();
        assertThat(calls).containsExactly("unbind");
    }

    @Test
    void aThirtySecondModelPollsAt30_60_90AndCompletesAfterTheTerminalStatus() {
        source.then("processing", "processing", "completed");
        TaskTracker tracker = tracker();

        StepVerifier.withVirtualTime(() -> tracker.track(sora("t")), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(29_999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(s -> assertThat(s.state()).isEqualTo(TaskState.PROCESSING))
                .thenAwait(Duration.ofSeconds(60))
                .assertNext(s -> {
                    assertThat(s.state()).isEqualTo(TaskState.COMPLETED);
                    assertThat(s.resultUrls()).hasSize(1);
                })
                .expectComplete().verify(VERIFY_TIMEOUT);

        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 90_000L);
        assertThat(tracker.activeTasks()).isZero();
    }

    @Test
    void aRandomPhaseShiftsTheWholeGridAndSpreadsTasksStartedTogether() {
        source.then("processing");
        double[] draws = {0.5, 0.1};
        int[] next = {0};
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, source), TrackerOptions.builder().fixedGrid().scheduler(vts)
                .random(() -> draws[next[0]++ % 2]).build()); // default spread: 20% of the period
        tracker.track(sora("a")).subscribe();
        tracker.track(sora("b")).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(100));
        // a: 0.5 * 20% * 30 s = 3 s late on every grid point; b: 0.6 s
        assertThat(source.requestTimes).containsExactly(30_600L, 33_000L, 60_600L, 63_000L, 90_600L, 93_000L);
    }

    /**
     * A tracked flux must not offer queue fusion: {@code flatMap} over fused inners polls every inner's queue on each
     * signal any inner emits, O(N) per status for N tracked tasks (benchmarks, scenario B: 30,000 tasks fell from
     * 30,000 to 336 polls/s at 3 ms of CPU per poll before {@code hide()}).
     */
    @Test
    void aTrackedFluxOffersNoFusionSoFlatMapOverThousandsStaysLinear() {
        source.then("processing", "completed");
        TaskTracker tracker = tracker();
        StepVerifier.withVirtualTime(() -> tracker.track(sora("t")), () -> vts, Long.MAX_VALUE)
                .expectNoFusionSupport()
                .thenAwait(Duration.ofSeconds(60))
                .expectNextCount(2)
                .expectComplete().verify(VERIFY_TIMEOUT);
    }

    @Test
    void familiesPollAtTheirOwnPeriods() {
        TaskTracker tracker = tracker();
        source.then("queued", "processing", "completed");
        StepVerifier.withVirtualTime(() -> tracker.track(TaskRef.of("img", Family.NANO_BANANA)), () -> vts, 10)
                .thenAwait(Duration.ofSeconds(9))
                .expectNextCount(3)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(3_000L, 6_000L, 9_000L);
    }

    @Test
    void emitsOnlyWhenTheStatusChanges() {
        source.then("queued", "queued", "processing", "processing", "completed");
        TaskTracker tracker = tracker();

        StepVerifier.withVirtualTime(() -> tracker.track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(3))
                .expectNextMatches(s -> s.state() == TaskState.QUEUED)
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectNextMatches(s -> s.state() == TaskState.COMPLETED)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).hasSize(5);
    }

    @Test
    void retryAfterInSecondsDelaysTheNextPollExactly() {
        source.then429("7").then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(36))
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 37_000L);
    }

    @Test
    void retryAfterAsAnHttpDateDelaysTheNextPollToThatDate() {
        // virtual time starts at the epoch: the poll at 30 s is told to come back at 00:00:42
        source.then429("Thu, 01 Jan 1970 00:00:42 GMT").then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(42))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 42_000L);
    }

    /**
     * A transient failure that says when to come back (a maintenance 503 with {@code Retry-After}) is tried again then,
     * not on the back-off's 500 ms, 1 s, 2 s: the Retry-After wins, as the cadence's javadoc says. It was ignored,
     * and the task could spend its retries in the outage.
     */
    @Test
    void aTransientFailuresRetryAfterIsHonoured() {
        source.thenFail(new ApiStatusException("t", 503, "120", null))
                .thenFail(new ApiStatusException("t", 503, "120", null)).then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(5))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 150_000L, 270_000L);
    }

    /**
     * A status source that throws on a retry (instead of failing its Mono) gives its permit back: the in-flight count
     * came back to 0 only on the first request's path, and with one request in flight allowed nothing was sent again.
     */
    @Test
    void aSourceThatThrowsOnARetryGivesItsPermitBack() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        dev.taskpoll.spi.StatusSource throwing = id -> {
            if (calls.incrementAndGet() == 1) {
                return reactor.core.publisher.Mono.error(new ApiStatusException(id, 503, null, null));
            }
            throw new IllegalStateException("broken source");
        };
        TaskTracker t = TaskTracker.create(Map.of(Dialect.OPC, throwing), TrackerOptions.builder().fixedGrid()
                .fleet(FleetOptions.ofMaxRate(100).withMaxInFlight(1)).scheduler(vts).random(() -> 0.5)
                .phaseSpread(0).build());
        StepVerifier.withVirtualTime(() -> t.track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(1))
                .expectErrorMessage("broken source")
                .verify(VERIFY_TIMEOUT);
        assertThat(t.stats().inFlight()).isZero();
        t.close();
    }

    /**
     * A fixed {@code TrackerOptions.clock} (for reproducible observation times) does not hold the circuit open: its
     * open time runs on the tracker's scheduler, as the rest of the budget. It never half-opened, and polling stopped.
     */
    @Test
    void anOpenedCircuitHalfOpensByTheSchedulersTimeWhateverTheClock() {
        for (int i = 0; i < 10; i++) {
            source.thenFail(new ApiStatusException("t", 503, null, null));
        }
        source.then("completed");
        TaskTracker t = tracker(TrackerOptions.builder().fixedGrid()
                .fleet(FleetOptions.ofMaxRate(100).withCircuit(50, 10, Duration.ofSeconds(30)))
                .clock(java.time.Clock.fixed(java.time.Instant.EPOCH, java.time.ZoneOffset.UTC))
                .maxTransientRetries(20));
        StepVerifier.withVirtualTime(() -> t.track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(5))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(t.stats().circuitState()).isEqualTo("CLOSED");
    }

    @Test
    void throttlingWithoutRetryAfterBacksOffExponentially() {
        source.then429(null).then429(null).then429(null).then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(40))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        // 1 s, 2 s, 4 s after the first 429
        assertThat(source.requestTimes).containsExactly(30_000L, 31_000L, 33_000L, 37_000L);
    }

    @Test
    void retryAfterIsCappedAtTheCeiling() {
        source.then429("100000").then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(10))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 330_000L);
    }

    @Test
    void aLongRunOf429sNeverFailsTheTask() {
        ScriptedSource s = source;
        for (int i = 0; i < 100; i++) {
            s.then429("10");
        }
        s.then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(29))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).hasSize(101);
        assertThat(source.requestTimes.get(100)).isEqualTo(30_000L + 100 * 10_000L);
    }

    @Test
    void theDeadlineFiresOnTimeEvenDuringALongRetryAfter() {
        source.then429("300");
        PollPolicy policy = PollPolicy.of(Duration.ofSeconds(30), Duration.ofSeconds(60));
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t").withPolicy(policy)), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(59_990))
                .thenAwait(Duration.ofMillis(10))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(TaskTimeoutException.class).hasMessageContaining("'t'");
                    assertThat(((TaskTimeoutException) e).deadline()).isEqualTo(Duration.ofSeconds(60));
                })
                .verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L);
        assertThat(source.cancelled).hasValue(0); // the 429 had answered; nothing was in flight
    }

    @Test
    void aTimeoutCarriesTheLastStatusSeenAndCancelsTheRequestInFlight() {
        source.then("processing", "processing").thenSlow(Duration.ofMinutes(5), "completed");
        PollPolicy policy = PollPolicy.of(Duration.ofSeconds(30), Duration.ofSeconds(100));
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t").withPolicy(policy)), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(99))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> {
                    TaskTimeoutException t = (TaskTimeoutException) e;
                    assertThat(t.taskId()).isEqualTo("t");
                    assertThat(t.lastStatus()).isNotNull();
                    assertThat(t.lastStatus().state()).isEqualTo(TaskState.PROCESSING);
                })
                .verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 90_000L);
        assertThat(source.cancelled).hasValue(1);
        assertThat(source.inFlight).hasValue(0);
    }

    @Test
    void transientFailuresAreRetriedWithBackoff() {
        source.then("processing")
                .thenFail(new ApiStatusException("t", 503, null, null))
                .thenFail(new TransportException("t", "connection reset", null))
                .thenFail(new MalformedResponseException("t", "truncated body"))
                .then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(70))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectNextMatches(s -> s.state() == TaskState.COMPLETED)
                .expectComplete().verify(VERIFY_TIMEOUT);
        // 500 ms, 1 s, 2 s after the first failure at 60 s
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 60_500L, 61_500L, 63_500L);
    }

    @Test
    void transientFailuresBeyondTheLimitEndWithRetriesExhaustedCarryingTheLastStatus() {
        source.then("processing")
                .thenFail(new ApiStatusException("t", 503, null, null));
        StepVerifier.withVirtualTime(() -> tracker(TrackerOptions.builder().fixedGrid().maxTransientRetries(2))
                        .track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(2))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RetriesExhaustedException.class)
                            .hasMessageContaining("'t'").hasMessageContaining("HTTP 503");
                    RetriesExhaustedException r = (RetriesExhaustedException) e;
                    assertThat(r.attempts()).isEqualTo(3);
                    assertThat(r.lastStatus().state()).isEqualTo(TaskState.PROCESSING);
                    assertThat(r.getCause()).isInstanceOf(ApiStatusException.class);
                })
                .verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 60_500L, 61_500L);
    }

    @Test
    void aDeadlinePassingWhileRequestsFailNamesTheLastFailure() {
        source.then("processing").thenFail(new ApiStatusException("t", 503, null, null));
        PollPolicy policy = PollPolicy.of(Duration.ofSeconds(30), Duration.ofSeconds(62));
        StepVerifier.withVirtualTime(() -> tracker(TrackerOptions.builder().fixedGrid()).track(sora("t")
                        .withPolicy(policy)), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(62))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(TaskTimeoutException.class)
                            .hasMessageContaining("last failure: HTTP 503");
                    assertThat(e.getCause()).isInstanceOf(ApiStatusException.class);
                })
                .verify(VERIFY_TIMEOUT);
        // failed at 60 s, 60.5 s and 61.5 s; the next retry (63.5 s) was due after the deadline
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 60_500L, 61_500L);
    }

    @Test
    void eachPollCountsItsOwnFailuresInARow() {
        source.then("processing")
                .thenFail(new ApiStatusException("t", 503, null, null))
                .thenFail(new ApiStatusException("t", 503, null, null))
                .then("processing")
                .thenFail(new ApiStatusException("t", 503, null, null))
                .thenFail(new ApiStatusException("t", 503, null, null))
                .then("completed");
        StepVerifier.withVirtualTime(() -> tracker(TrackerOptions.builder().fixedGrid().maxTransientRetries(2))
                        .track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(2))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectNextMatches(s -> s.state() == TaskState.COMPLETED)
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        // two failures in each of the second and third polls, within the limit of 2 retries a poll
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 60_500L, 61_500L, 90_000L, 90_500L,
                91_500L);
    }

    /**
     * A request answered with no status is a malformed answer, retried as one whether it is a poll's first request or
     * a retry.
     */
    @Test
    void aRequestAnsweredWithNoStatusIsRetriedAsMalformed() {
        source.then("processing").thenNothing().thenNothing().then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(70))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectNextMatches(s -> s.state() == TaskState.COMPLETED)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 60_500L, 61_500L);
    }

    /** A poll whose every request answers nothing ends with the retries exhausted, naming it. */
    @Test
    void aPollAnsweredWithNothingEveryTimeEndsWithTheRetriesExhausted() {
        source.then("processing").thenNothing();
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid().maxTransientRetries(2));
        StepVerifier.withVirtualTime(() -> tracker.track(sora("u")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(2))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RetriesExhaustedException.class).hasMessageContaining("'u'");
                    assertThat(((RetriesExhaustedException) e).attempts()).isEqualTo(3);
                    assertThat(e.getCause()).isInstanceOf(MalformedResponseException.class)
                            .hasMessageContaining("status source gave no status");
                })
                .verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).hasSize(4);
    }

    @Test
    void aPermanentErrorEndsTrackingWithTheHttpStatusTaskIdAndLastStatus() {
        source.then("processing").thenFail(new ApiStatusException("t", 404, null, null));
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(2))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(ApiStatusException.class)
                            .hasMessage("HTTP 404 Not Found for task 't'");
                    ApiStatusException a = (ApiStatusException) e;
                    assertThat(a.httpStatus()).isEqualTo(404);
                    assertThat(a.taskId()).isEqualTo("t");
                    assertThat(a.lastStatus().state()).isEqualTo(TaskState.PROCESSING);
                })
                .verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L);
    }

    @Test
    void anUnknownStatusIsEmittedOnceAndPollingGoesOn() {
        source.then("rendering", "rendering", "rendering", "completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMinutes(3))
                .assertNext(s -> {
                    assertThat(s.state()).isEqualTo(TaskState.UNKNOWN);
                    assertThat(s.rawStatus()).isEqualTo("rendering");
                    assertThat(s.isTerminal()).isFalse();
                })
                .expectNextMatches(s -> s.state() == TaskState.COMPLETED)
                .expectComplete().verify(VERIFY_TIMEOUT);
        assertThat(source.requestTimes).hasSize(4);
    }

    @Test
    void aSlowResponseDelaysTheNextPollToTheNextGridPointAndPollsNeverPileUp() {
        source.thenSlow(Duration.ofSeconds(45), "processing").then("completed");
        StepVerifier.withVirtualTime(() -> tracker().track(sora("t")), () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofSeconds(75))
                .expectNextMatches(s -> s.state() == TaskState.PROCESSING)
                .thenAwait(Duration.ofSeconds(15))
                .expectNextMatches(TaskStatus::isTerminal)
                .expectComplete().verify(VERIFY_TIMEOUT);
        // answered at 75 s: the 60 s poll is skipped, the next is at 90 s
        assertThat(source.requestTimes).containsExactly(30_000L, 90_000L);
        assertThat(source.maxInFlight).hasValue(1);
    }

    @Test
    void cancellingStopsAllRequestsAtOnce() {
        source.then("processing").thenSlow(Duration.ofSeconds(30), "completed");
        TaskTracker tracker = tracker();
        List<TaskStatus> seen = new CopyOnWriteArrayList<>();
        Disposable subscription = tracker.track(sora("t")).subscribe(seen::add);
        vts.advanceTimeBy(Duration.ofSeconds(70));
        assertThat(seen).extracting(TaskStatus::state).containsExactly(TaskState.PROCESSING);
        assertThat(source.inFlight).hasValue(1);

        subscription.dispose();

        // the second request was in flight at 70 s: it was cancelled, and nothing follows
        assertThat(source.cancelled).hasValue(1);
        assertThat(source.inFlight).hasValue(0);
        vts.advanceTimeBy(Duration.ofHours(1));
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L);
        assertThat(seen).hasSize(1);
        assertThat(tracker.activeTasks()).isZero();
    }

    @Test
    void aTaskEndedWhileItsPollWaitsForTheBudgetSendsNothingAndHoldsNoPlace() {
        source.thenSlow(Duration.ofSeconds(4), "processing").then("processing");
        TaskTracker tracker = tracker(TrackerOptions.builder().fixedGrid().fleet(FleetOptions.ofMaxRate(100).withMaxInFlight(1)));
        tracker.track(sora("a")).subscribe(); // polled at 30 s, answered at 34 s
        vts.advanceTimeBy(Duration.ofSeconds(1));
        Disposable b = tracker.track(sora("b")).subscribe(); // due at 31 s: waits for a's place
        vts.advanceTimeBy(Duration.ofSeconds(31));
        assertThat(source.requestTimes).containsExactly(30_000L);
        assertThat(tracker.stats().waiting()).isEqualTo(1);

        b.dispose(); // b ends while its poll waits

        vts.advanceTimeBy(Duration.ofSeconds(8)); // 40 s: a answered at 34 s, its place is free
        tracker.track(sora("c")).subscribe(); // first poll at 70 s
        vts.advanceTimeBy(Duration.ofSeconds(35));
        // b's poll never went out, and took no place: a polled at 60 s, c at 70 s
        assertThat(source.requestIds).containsExactly("a", "a", "c");
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 70_000L);
        assertThat(tracker.stats().waiting()).isZero();
        assertThat(tracker.stats().inFlight()).isZero();
        assertThat(source.maxInFlight).hasValue(1);
    }

    @Test
    void subscribersOfOneTaskShareOnePollLoopAndALateOneGetsTheLatestStatusAtOnce() {
        source.then("queued", "processing", "processing", "completed");
        TaskTracker tracker = tracker();
        List<TaskStatus> first = new CopyOnWriteArrayList<>();
        List<TaskStatus> second = new CopyOnWriteArrayList<>();

        tracker.track(sora("t")).subscribe(first::add);
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(first).extracting(TaskStatus::state).containsExactly(TaskState.QUEUED, TaskState.PROCESSING);

        tracker.track(sora("t")).subscribe(second::add);
        assertThat(second).extracting(TaskStatus::state).containsExactly(TaskState.PROCESSING);

        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(first).extracting(TaskStatus::state)
                .containsExactly(TaskState.QUEUED, TaskState.PROCESSING, TaskState.COMPLETED);
        assertThat(second).extracting(TaskStatus::state).containsExactly(TaskState.PROCESSING, TaskState.COMPLETED);
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L, 90_000L, 120_000L);
        assertThat(tracker.activeTasks()).isZero();
    }

    @Test
    void theSharedLoopStopsWhenTheLastSubscriberLeaves() {
        source.then("processing");
        TaskTracker tracker = tracker();
        Disposable a = tracker.track(sora("t")).subscribe();
        Disposable b = tracker.track(sora("t")).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(30));
        a.dispose();
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L);
        assertThat(tracker.activeTasks()).isEqualTo(1);
        b.dispose();
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(source.requestTimes).containsExactly(30_000L, 60_000L);
        assertThat(tracker.activeTasks()).isZero();
    }

    @Test
    void eachSubscriberGetsTheTerminalStatusExactlyOnce() {
        source.then("processing", "completed", "completed");
        TaskTracker tracker = tracker();
        List<TaskStatus> a = new CopyOnWriteArrayList<>();
        List<TaskStatus> b = new CopyOnWriteArrayList<>();
        tracker.track(sora("t")).subscribe(a::add);
        tracker.track(sora("t")).subscribe(b::add);
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(a).filteredOn(TaskStatus::isTerminal).hasSize(1);
        assertThat(b).filteredOn(TaskStatus::isTerminal).hasSize(1);
        assertThat(source.requestTimes).hasSize(2);
    }

    @Test
    void differentTasksHaveTheirOwnLoops() {
        source.then("completed");
        TaskTracker tracker = tracker();
        tracker.track(sora("a")).subscribe();
        tracker.track(sora("b")).subscribe();
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(source.requestTimes).containsExactly(30_000L, 30_000L);
    }

    @Test
    void trackingADialectWithoutASourceFailsAtOnceNamingTheField() {
        assertThatThrownBy(() -> tracker().track(TaskRef.of("x", Family.GENERIC_TASK)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task.kind")
                .hasMessageContaining("TASK");
    }
}
