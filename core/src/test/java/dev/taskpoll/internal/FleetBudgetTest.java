package dev.taskpoll.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

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
                t.done(null, false);
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
    void a429HalvesTheRateAtMostOnceASecondDownToTheFloor() {
        FleetBudget b = budget(new FleetOptions(true, 100, 10, 5, Duration.ofSeconds(5), 256, 50, 100,
                Duration.ofSeconds(30)));
        b.throttled(0, null);
        assertThat(b.currentRate()).isEqualTo(50);
        b.throttled(500, null);
        assertThat(b.currentRate()).as("same second: one decrease").isEqualTo(50);
        b.throttled(1000, null);
        b.throttled(2000, null);
        b.throttled(3000, null);
        assertThat(b.currentRate()).as("50, 25, 12, then the floor").isEqualTo(10);
    }

    @Test
    void theRateClimbsBackAdditivelyAfterTheRecoveryDelayNeverAboveTheCeiling() {
        FleetBudget b = budget(new FleetOptions(true, 40, 1, 10, Duration.ofSeconds(5), 256, 50, 100,
                Duration.ofSeconds(30)));
        b.throttled(0, null);
        assertThat(b.currentRate()).isEqualTo(20);
        List<Integer> rates = new ArrayList<>();
        for (int s = 1; s <= 10; s++) {
            vts.advanceTimeTo(java.time.Instant.ofEpochSecond(s));
            admitTimes(b, 1);
            rates.add(b.currentRate());
        }
        // no change for 5 s after the 429, then +10 a second up to 40
        assertThat(rates).containsExactly(20, 20, 20, 20, 30, 40, 40, 40, 40, 40);
    }

    @Test
    void aRetryAfterPausesTheWholeFleet() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(100));
        b.throttled(0, Duration.ofSeconds(7));
        assertThat(b.pausedMillis()).isEqualTo(7000);
        List<Long> at = admitTimes(b, 3);
        vts.advanceTimeBy(Duration.ofMillis(6999));
        assertThat(at).isEmpty();
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(at).containsExactly(7000L, 7000L, 7000L);
    }

    @Test
    void requestsInFlightAreCapped() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(100).withMaxInFlight(2));
        List<FleetBudget.Ticket> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            b.admit().subscribe(held::add);
        }
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(held).hasSize(2);
        assertThat(b.inFlight()).isEqualTo(2);
        held.get(0).done(null, false);
        held.get(0).done(null, false); // released once only
        vts.advanceTimeBy(Duration.ofMillis(20));
        assertThat(held).hasSize(3);
        assertThat(b.inFlight()).isEqualTo(2);
    }

    @Test
    void theCircuitOpensOnBroadFailureThenProbesAndCloses() {
        FleetBudget b = budget(FleetOptions.ofMaxRate(1000).withCircuit(50, 10, Duration.ofSeconds(30)));
        for (int i = 0; i < 10; i++) {
            b.admit().subscribe(t -> t.done(new ApiStatusException("t", 503, null, null), false));
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
        for (int i = 0; i < 20; i++) {
            Throwable e = i % 2 == 0 ? new ApiStatusException("t", 429, null, null)
                    : new ApiStatusException("t", 404, null, null);
            b.admit().subscribe(t -> t.done(e, false));
        }
        b.admit().subscribe(t -> t.done(new TransportException("t", "reset", null), false));
        vts.advanceTimeBy(Duration.ofMillis(10));
        assertThat(b.circuitState()).isEqualTo("CLOSED");
    }
}
