package dev.taskpoll.internal.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.TransportException;
import dev.taskpoll.internal.engine.RetryDecider;
import dev.taskpoll.internal.engine.SchedulerClock;
import dev.taskpoll.internal.engine.SharedTimer;
import dev.taskpoll.spi.PollBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.subscriber.TestSubscriber;

/** The fleet budget's rules, exactly, on virtual time. */
class FleetBudgetTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final SharedTimer timer = new SharedTimer(vts, 1);

    private FleetBudget budget(FleetOptions o) {
        return new FleetBudget(o, timer, new SchedulerClock(vts));
    }

    private List<Long> admitTimes(FleetBudget b, int n) {
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.admit().subscribe(t -> {
                at.add(vts.now(TimeUnit.MILLISECONDS));
                t.done(PollBudget.Outcome.ANSWERED);
            });
        }
        return at;
    }

    @Test
    void theRateIsCappedForTheWholeFleet() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(4));
        List<Long> at = admitTimes(b, 12);
        vts.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(at).hasSize(12);
        // a full bucket (one second of 4) at once, then one every 250 ms
        assertThat(at.subList(0, 4)).containsOnly(0L);
        assertThat(at.subList(4, 12)).containsExactly(250L, 500L, 750L, 1000L, 1250L, 1500L, 1750L, 2000L);
    }

    @Test
    void whenMostAnswersAre429TheRateDropsTowardsWhatGotThroughAtMostByHalf() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(100));
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            b.admit().subscribe(t -> {
                at.add(vts.now(TimeUnit.MILLISECONDS));
                t.done(n < 20 ? PollBudget.Outcome.ANSWERED : PollBudget.Outcome.THROTTLED);
            });
        }
        vts.advanceTimeBy(Duration.ofMillis(1000));
        assertThat(at).hasSize(100);
        // 20 answers a second got through (1.02 x 20), but the rate drops at most by half at once
        assertThat(b.currentRate()).isEqualTo(50);
    }

    @Test
    void waitersAreAdmittedInTheOrderTheyAskedAndACancelledWaiterIsSkipped() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(2));
        List<Integer> order = new ArrayList<>();
        List<reactor.core.Disposable> subs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            subs.add(b.admit().subscribe(t -> {
                order.add(n);
                t.done(PollBudget.Outcome.ANSWERED);
            }));
        }
        assertThat(b.waiting()).isEqualTo(4);
        subs.get(3).dispose();
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(order).containsExactly(0, 1, 2, 4, 5);
        assertThat(b.waiting()).isZero();
        assertThat(b.inFlight()).isZero();
    }

    @Test
    void aSubscriberWaitsInLineFromItsFirstRequestAndACancelBeforeThenTakesNothing() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(100).withMaxInFlight(1));
        TestSubscriber<PollBudget.Permit> idle = TestSubscriber
                .<PollBudget.Permit>builder().initialRequest(0).build();
        b.admit().subscribe(idle);
        assertThat(b.waiting()).as("subscribed, nothing requested: not in line").isZero();
        assertThat(b.inFlight()).isZero();
        idle.cancel();
        idle.request(1);
        assertThat(b.waiting()).as("cancelled before its request: never in line").isZero();
        assertThat(b.inFlight()).isZero();

        TestSubscriber<PollBudget.Permit> first = TestSubscriber
                .<PollBudget.Permit>builder().initialRequest(0).build();
        b.admit().subscribe(first);
        first.request(1);
        first.request(1); // asked twice: still one place, one permit
        assertThat(first.getReceivedOnNext()).hasSize(1);
        assertThat(first.isTerminatedComplete()).isTrue();
        assertThat(b.inFlight()).isEqualTo(1);

        TestSubscriber<PollBudget.Permit> second = TestSubscriber
                .create();
        b.admit().subscribe(second);
        assertThat(b.waiting()).isEqualTo(1);
        assertThat(second.getReceivedOnNext()).isEmpty();
        first.getReceivedOnNext().get(0).done(PollBudget.Outcome.ANSWERED);
        assertThat(second.getReceivedOnNext()).as("the place freed goes to the next in line").hasSize(1);
        assertThat(b.inFlight()).isEqualTo(1);
        assertThat(b.waiting()).isZero();
    }

    @Test
    void aNonPositiveRequestFailsThatSubscriberAloneWithReactorsError() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(100));
        List<Throwable> errors = new ArrayList<>();
        List<Subscription> subscriptions = new ArrayList<>();
        b.admit().subscribe(new CoreSubscriber<PollBudget.Permit>() {
            @Override
            public void onSubscribe(Subscription s) {
                subscriptions.add(s);
            }

            @Override
            public void onNext(PollBudget.Permit permit) {
                throw new AssertionError("no permit was asked for");
            }

            @Override
            public void onError(Throwable t) {
                errors.add(t);
            }

            @Override
            public void onComplete() {
                throw new AssertionError("not completed");
            }
        });
        subscriptions.get(0).request(0);
        subscriptions.get(0).request(1); // after the error: nothing more
        assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("Spec. Rule 3.9"));
        assertThat(b.waiting()).isZero();
        assertThat(b.inFlight()).isZero();
    }

    @Test
    void grantsWhosePermitsComeBackAtOnceDoNotNestOnTheStack() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(1_000_000).withMaxInFlight(1));
        List<PollBudget.Permit> first = new ArrayList<>();
        b.admit().subscribe(first::add);
        int[] granted = {0};
        for (int i = 0; i < 50_000; i++) {
            b.admit().subscribe(t -> {
                granted[0]++;
                t.done(PollBudget.Outcome.CANCELLED); // given back inside the grant, as a poll cancelled meanwhile does
            });
        }
        assertThat(b.waiting()).isEqualTo(50_000);
        first.get(0).done(PollBudget.Outcome.ANSWERED); // off an event loop: drains here, on this thread
        assertThat(granted[0]).isEqualTo(50_000);
        assertThat(b.waiting()).isZero();
        assertThat(b.inFlight()).isZero();
    }

    @Test
    void aRetryAfterPausesTheWholeFleet() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(100));
        b.throttled(Duration.ofSeconds(7));
        assertThat(b.pausedMillis()).isEqualTo(7000);
        List<Long> at = admitTimes(b, 3);
        vts.advanceTimeBy(Duration.ofMillis(6999));
        assertThat(at).isEmpty();
        vts.advanceTimeBy(Duration.ofMillis(1));
        // and resumes at the rate (100/s), not with a burst of the paused second's budget
        assertThat(at).containsExactly(7000L);
        vts.advanceTimeBy(Duration.ofMillis(20));
        assertThat(at).containsExactly(7000L, 7010L, 7020L);
    }

    @Test
    void aPauseThatDidNotHelpIsNotRepeatedFleetWideForACoolDown() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(1000));
        b.throttled(Duration.ofSeconds(1));
        // after the pause, 3 of the first 50 answers are 429 again: waiting did not help
        for (int i = 0; i < 50; i++) {
            int n = i;
            b.admit().subscribe(t -> t.done(n % 20 == 0 ? PollBudget.Outcome.THROTTLED
                    : PollBudget.Outcome.ANSWERED));
        }
        vts.advanceTimeBy(Duration.ofMillis(1100));
        assertThat(b.pausedMillis()).isZero();
        b.throttled(Duration.ofSeconds(2));
        assertThat(b.pausedMillis()).as("skipped: the 429s are not the quota's").isZero();
        vts.advanceTimeTo(java.time.Instant.ofEpochSecond(12));
        b.throttled(Duration.ofSeconds(2));
        assertThat(b.pausedMillis()).as("the cool-down (10 s) is over: honoured again").isEqualTo(2000);
    }

    @Test
    void aPauseThatHelpedKeepsPausesOn() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(1000));
        b.throttled(Duration.ofSeconds(1));
        assertThat(admitTimes(b, 50)).isEmpty();
        vts.advanceTimeBy(Duration.ofMillis(1100));
        b.throttled(Duration.ofSeconds(3));
        assertThat(b.pausedMillis()).isEqualTo(3000);
    }

    @Test
    void requestsInFlightAreCapped() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(100).withMaxInFlight(2));
        List<PollBudget.Permit> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            b.admit().subscribe(held::add);
        }
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(held).hasSize(2);
        assertThat(b.inFlight()).isEqualTo(2);
        held.get(0).done(PollBudget.Outcome.ANSWERED);
        held.get(0).done(PollBudget.Outcome.ANSWERED); // released once only
        vts.advanceTimeBy(Duration.ofMillis(20));
        assertThat(held).hasSize(3);
        assertThat(b.inFlight()).isEqualTo(2);
    }

    @Test
    void inClusterModeInstancesInFlightAreCappedAtItsShareOfTheKeysLimit() {
        int[] share = {3};
        dev.taskpoll.spi.FleetShare shared = report -> reactor.core.publisher.Mono.just(
                new dev.taskpoll.spi.FleetShare.Share(100, Duration.ZERO, share[0]));
        FleetBudget b = new FleetBudget(FleetOptions.ofMaxRate(100).withMaxInFlight(10), timer,
                new SchedulerClock(vts), shared);
        vts.advanceTimeBy(Duration.ofMillis(250)); // the first sync: 3 of the key's 10
        List<PollBudget.Permit> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            b.admit().subscribe(held::add);
        }
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(held).hasSize(3);
        held.get(0).done(PollBudget.Outcome.ANSWERED);
        vts.advanceTimeBy(Duration.ofMillis(20));
        assertThat(held).as("one done, one more in").hasSize(4);
        share[0] = 5; // another instance left: a larger share
        vts.advanceTimeBy(Duration.ofMillis(250));
        assertThat(held).hasSize(6);
        assertThat(b.inFlight()).isEqualTo(5);
        b.close();
    }

    /**
     * A share of the key's rate under 1 request a second (a small instance beside a busy one, or 2/s over 3 instances)
     * still sends, one request every 1/rate s: the bucket held one second of the rate, never a whole token, and
     * nothing was sent at all.
     */
    @Test
    void inClusterModeAShareUnderOneRequestASecondStillSends() {
        dev.taskpoll.spi.FleetShare shared = report -> reactor.core.publisher.Mono.just(
                new dev.taskpoll.spi.FleetShare.Share(0.5, Duration.ZERO, 10));
        FleetBudget b = new FleetBudget(FleetOptions.ofMaxRate(100), timer, new SchedulerClock(vts), shared);
        vts.advanceTimeBy(Duration.ofMillis(250)); // the first sync: 0.5 a second
        List<Long> at = admitTimes(b, 3);
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(at).hasSize(3);
        assertThat(at.get(2) - at.get(1)).as("one every 2 s").isBetween(1_900L, 2_100L);
        b.close();
    }

    /**
     * Waiters cancelled while the queue cannot move (every permit held: a pause, an open circuit) are not counted as
     * waiting, nor kept: 1,000 polls whose deadlines passed read as 1,000 waiting, each kept with its task, and were
     * counted in cluster mode's demand.
     */
    @Test
    void cancelledWaitersAreNotCountedNorKept() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(1000).withMaxInFlight(1));
        List<PollBudget.Permit> held = new ArrayList<>();
        b.admit().subscribe(held::add);
        assertThat(held).hasSize(1);
        List<reactor.core.Disposable> waiting = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            waiting.add(b.admit().subscribe(p -> { }));
        }
        assertThat(b.waiting()).isEqualTo(1_000);
        waiting.subList(0, 999).forEach(reactor.core.Disposable::dispose);
        assertThat(b.waiting()).isEqualTo(1);
        assertThat(b.queueLength()).as("the cancelled taken out, not kept until the queue moves").isLessThan(100);
        List<Long> next = new ArrayList<>();
        b.admit().subscribe(p -> next.add(vts.now(TimeUnit.MILLISECONDS)));
        held.get(0).done(PollBudget.Outcome.ANSWERED);
        vts.advanceTimeBy(Duration.ofMillis(10));
        assertThat(b.waiting()).as("the last waiter granted, the one after it next").isEqualTo(1);
        assertThat(next).isEmpty();
        b.close();
    }

    /**
     * A shared store that does not answer a sync is given up on after 5 periods of the tracker's clock (not the wall
     * clock's), keeping the last share, and asked again one period later.
     */
    @Test
    void inClusterModeASyncWithoutAnAnswerIsGivenUpOnByTheTrackersClock() {
        List<Long> asked = new ArrayList<>();
        dev.taskpoll.spi.FleetShare silent = report -> {
            asked.add(vts.now(java.util.concurrent.TimeUnit.MILLISECONDS));
            return reactor.core.publisher.Mono.never();
        };
        FleetBudget b = new FleetBudget(FleetOptions.ofMaxRate(100), timer, new SchedulerClock(vts), silent);
        vts.advanceTimeBy(Duration.ofMillis(2_500));
        // the first at 200 ms; given up on at 1,200 ms; the next at 1,400 ms (the timer's resolution rounds up)
        assertThat(asked).hasSize(2);
        assertThat(asked.get(1) - asked.get(0)).isBetween(1_200L, 1_300L);
        b.close();
    }

    @Test
    void theCircuitOpensOnBroadFailureThenProbesAndCloses() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(1000).withCircuit(50, 10, Duration.ofSeconds(30)));
        for (int i = 0; i < 10; i++) {
            b.admit().subscribe(t -> t.done(PollBudget.Outcome.FAILED));
        }
        vts.advanceTimeBy(Duration.ofMillis(10));
        assertThat(b.circuitState()).isEqualTo("OPEN");
        List<Long> at = admitTimes(b, 1);
        vts.advanceTimeBy(Duration.ofSeconds(29));
        assertThat(at).as("nothing is sent while open").isEmpty();
        vts.advanceTimeBy(Duration.ofSeconds(4));
        assertThat(at).hasSize(1);
        assertThat(at.get(0)).isBetween(30_000L, 33_010L);
        // a window of 10 permits one probe in half-open; it succeeded: closed again
        assertThat(b.circuitState()).isEqualTo("CLOSED");
    }

    @Test
    void throttlingAndPermanentErrorsDoNotOpenTheCircuit() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(1000).withCircuit(50, 10, Duration.ofSeconds(30)));
        // what the tracker reports for 429 and for 404 (RetryDeciderTest checks the mapping)
        for (int i = 0; i < 20; i++) {
            PollBudget.Outcome o = RetryDecider.outcome(i % 2 == 0 ? new ApiStatusException("t", 429, null, null)
                    : new ApiStatusException("t", 404, null, null));
            b.admit().subscribe(t -> t.done(o));
        }
        b.admit().subscribe(t -> t.done(RetryDecider.outcome(new TransportException("t", "reset", null))));
        vts.advanceTimeBy(Duration.ofMillis(10));
        assertThat(b.circuitState()).isEqualTo("CLOSED");
    }
}
