package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A submit does not wait for a durable store longer than {@link ClientOptions#storeTimeout()}: a store that waits for
 * an unreachable Redis holds a submit no longer than that, on the client's scheduler (virtual time here).
 */
class StoreTimeoutTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final ArmCountingScheduler scheduler = new ArmCountingScheduler(vts);
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
        vts.dispose();
    }

    private void start(DurableStoreStub store) {
        sim = Simulator.builder().time(SimTime.following(vts)).seed(3).build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .storeTimeout(Duration.ofSeconds(20))
                .trackerOptions(TrackerOptions.builder().fixedGrid().scheduler(scheduler).store(store).build())
                .build());
    }

    private static GenerationRequest veo() {
        return GenerationRequest.builder(dev.taskpoll.catalog.Family.VEO, "veo_3_1_fast").prompt("a cat").build();
    }

    @Test
    void anIntentTheStoreDoesNotRecordInTimeFailsTheSubmitAndNothingIsSent() {
        start(new DurableStoreStub() {
            @Override
            public Mono<Long> intent(Intent intent) {
                return Mono.never(); // a store waiting for a Redis that does not come back
            }
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        client.submit(veo()).subscribe(s -> { }, failure::set);
        vts.advanceTimeBy(Duration.ofSeconds(19));
        assertThat(failure.get()).as("before storeTimeout").isNull();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(failure.get()).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("did not record the submit's intent within 20 s (storeTimeout)")
                .hasMessageContaining("nothing was sent");
        assertThat(((TaskStoreException) failure.get()).taskId()).isNull();
        assertThat(sim.createCalls()).as("creates sent").isZero();
    }

    @Test
    void aCreatedTaskTheStoreDoesNotRecordInTimeFailsTheSubmitWithItsId() throws InterruptedException {
        CountDownLatch recording = new CountDownLatch(1);
        start(new DurableStoreStub() {
            @Override
            public Mono<Void> submitted(long intentId, Tracked task) {
                // a store waiting for a Redis that does not come back (the submit's timer is armed before it asks)
                return Mono.<Void>never().doOnSubscribe(s -> recording.countDown());
            }
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        client.submit(veo()).subscribe(s -> { }, failure::set);
        // the create call's answer comes on an event loop: wait for the store to be asked (an event, not a time)
        assertThat(recording.await(30, TimeUnit.SECONDS)).as("the store asked to record the task").isTrue();
        vts.advanceTimeBy(Duration.ofSeconds(19));
        assertThat(failure.get()).as("before storeTimeout").isNull();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(failure.get()).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("was created but its id could not be recorded")
                .hasMessageContaining("not recorded within 20 s (storeTimeout)").hasMessageContaining("keep this id");
        String id = ((TaskStoreException) failure.get()).taskId();
        assertThat(id).as("the id travels with the failure").isNotBlank();
        assertThat(sim.truth(id)).as("the task the API created").isPresent();
        assertThat(sim.createCalls()).isEqualTo(1);
    }

    /**
     * Reading a task from a store that waits for an unreachable Redis: given up at storeTimeout, naming the task and
     * the bound. It waited as long as Redis was down (an audit).
     */
    @Test
    void aTaskReadTheStoreDoesNotAnswerInTimeFailsNamingIt() {
        start(new DurableStoreStub() {
            @Override
            public Mono<TaskRecord> task(String id) {
                return Mono.never();
            }
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        client.task("vgen_1").subscribe(r -> { }, failure::set);
        vts.advanceTimeBy(Duration.ofSeconds(19));
        assertThat(failure.get()).as("before storeTimeout").isNull();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(failure.get()).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("task 'vgen_1' not read within 20 s (storeTimeout)");
        assertThat(((TaskStoreException) failure.get()).taskId()).isEqualTo("vgen_1");
    }

    @Test
    void anIntentRecordedAfterTheTimeoutIsMarkedNotSent() {
        OutageStore store = new OutageStore();
        start(store);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        client.submit(veo()).subscribe(s -> { }, failure::set);
        vts.advanceTimeBy(Duration.ofSeconds(20));
        assertThat(failure.get()).isInstanceOf(TaskStoreException.class);
        assertThat(store.notCreated).as("nothing to mark before the store answers").isEmpty();
        store.back(42L); // Redis back: the write that waited for it lands
        assertThat(store.notCreated).containsExactly("42: not sent: the store recorded the intent after storeTimeout");
        assertThat(sim.createCalls()).as("creates sent").isZero();
    }

    @Test
    void aCreatedTaskRecordedAfterTheTimeoutIsTrackedAfterAll() throws InterruptedException {
        reactor.core.publisher.Sinks.Empty<Void> recorded = reactor.core.publisher.Sinks.empty();
        CountDownLatch recording = new CountDownLatch(1);
        start(new DurableStoreStub() {
            @Override
            public Mono<Void> submitted(long intentId, Tracked task) {
                return recorded.asMono().doOnSubscribe(s -> recording.countDown());
            }
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        client.submit(veo()).subscribe(s -> { }, failure::set);
        assertThat(recording.await(30, TimeUnit.SECONDS)).as("the store asked to record the task").isTrue();
        vts.advanceTimeBy(Duration.ofSeconds(20));
        String id = ((TaskStoreException) failure.get()).taskId();
        assertThat(failure.get()).hasMessageContaining("it is tracked if the store records it later");
        assertThat(sim.truth(id).orElseThrow().polls()).as("polls before the store recorded it").isEmpty();
        recorded.tryEmitEmpty(); // the store answers: the task is tracked as if the submit had waited
        for (int minute = 0; minute < 30 && sim.truth(id).orElseThrow().polls().isEmpty(); minute++) {
            int armed = scheduler.armed();
            vts.advanceTimeBy(Duration.ofMinutes(1));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sim.truth(id).orElseThrow().polls().isEmpty() && scheduler.armed() == armed
                    && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        assertThat(sim.truth(id).orElseThrow().polls()).as("polls once recorded").isNotEmpty();
    }

    /**
     * Writes left waiting past the bound are not cancelled; so that a long outage does not pile them up (each holds its
     * request), once one has outlasted the bound and {@link StoreWrites#MAX_WAITING} are outstanding, a
     * submit is refused at once, before anything is written or sent, until they land. Submits started within one
     * bound's window all count (the check is on outstanding writes, not only those already past the bound).
     */
    @Test
    void writesLeftWaitingAreBoundedAndTheNextSubmitIsRefusedBeforeWritingAnythingUntilTheyLand() {
        OutageStore store = new OutageStore();
        start(store);
        int started = StoreWrites.MAX_WAITING + 200; // all within one storeTimeout
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < started; i++) {
            client.submit(veo()).subscribe(s -> { }, e -> failed.incrementAndGet());
        }
        vts.advanceTimeBy(Duration.ofSeconds(20));
        assertThat(failed.get()).as("each failed at storeTimeout").isEqualTo(started);
        assertThat(client.outstandingWrites()).isEqualTo(started);

        AtomicReference<Throwable> refused = new AtomicReference<>();
        client.submit(veo()).subscribe(s -> { }, refused::set); // no time passes: refused at once
        assertThat(refused.get()).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining(started + " store writes of earlier submits are still outstanding (" + started
                        + " of them past storeTimeout)")
                .hasMessageContaining("the most kept waiting is 1000; nothing was sent");
        assertThat(store.intentsAsked.get()).as("the refused submit wrote no intent").isEqualTo(started);
        assertThat(sim.createCalls()).as("creates sent").isZero();

        store.back(7L); // the outage ends: the waiting intents land and are marked not sent
        assertThat(client.outstandingWrites()).isZero();
        assertThat(store.notCreated).hasSize(started);
        assertThat(client.submit(veo()).block(Duration.ofSeconds(30)).taskId()).as("submits go through again")
                .isNotBlank();
        assertThat(sim.createCalls()).isEqualTo(1);
    }

    /**
     * A caller that gives up before the bound (its own shorter timeout, a web client hanging up) leaves the write
     * outstanding; past the bound it counts as overdue too, so callers that all cancel are bounded as well. Before any
     * write outlasts the bound, a busy store is not refused.
     */
    @Test
    void writesWhoseCallersCancelledAreBoundedTooAndABusyStoreIsNotRefusedBeforeTheBound() {
        OutageStore store = new OutageStore();
        start(store);
        for (int i = 0; i < StoreWrites.MAX_WAITING; i++) {
            client.submit(veo()).subscribe().dispose(); // cancelled at once: its intent's write goes on
        }
        assertThat(client.outstandingWrites()).isEqualTo(StoreWrites.MAX_WAITING);
        AtomicReference<Throwable> busy = new AtomicReference<>();
        reactor.core.Disposable waiting = client.submit(veo()).subscribe(s -> { }, busy::set);
        assertThat(busy.get()).as("none past storeTimeout yet: a busy store, not refused").isNull();
        waiting.dispose();
        vts.advanceTimeBy(Duration.ofSeconds(20)); // nobody waits for any of them: their timers count them overdue
        AtomicReference<Throwable> refused = new AtomicReference<>();
        client.submit(veo()).subscribe(s -> { }, refused::set);
        int all = StoreWrites.MAX_WAITING + 1;
        assertThat(refused.get()).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining(all + " store writes of earlier submits are still outstanding (" + all
                        + " of them past storeTimeout)");
        store.back(9L);
        assertThat(client.outstandingWrites()).isZero();
        assertThat(store.notCreated).as("intents that landed after their callers left: marked not sent")
                .hasSize(all);
        assertThat(client.submit(veo()).block(Duration.ofSeconds(30)).taskId()).as("submits go through again")
                .isNotBlank();
    }

    @Test
    void theTimeoutMustBePositive() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientOptions.builder().storeTimeout(Duration.ZERO))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("storeTimeout")
                .hasMessageContaining("PT0S must be positive");
    }

    /**
     * A store whose intents all wait for one outage's end ({@link #back}), counting the intents asked for and keeping
     * each "not created" mark it is given.
     */
    private static final class OutageStore extends DurableStoreStub {
        private final reactor.core.publisher.Sinks.One<Long> outage = reactor.core.publisher.Sinks.one();
        final java.util.concurrent.atomic.AtomicInteger intentsAsked = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.List<String> notCreated = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Mono<Long> intent(Intent i) {
            intentsAsked.incrementAndGet();
            return outage.asMono();
        }

        @Override
        public Mono<Void> notCreated(long intentId, String reason) {
            notCreated.add(intentId + ": " + reason);
            return Mono.empty();
        }

        /** The outage ends: every waiting intent lands as {@code id}. */
        void back(long id) {
            outage.tryEmitValue(id);
        }
    }
}
