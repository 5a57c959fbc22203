package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

class SimTimeTest {

    @Test
    void acceleratedDelaysAreShortenedByTheScale() {
        // real time is the delegate's: a virtual-time scheduler, so "one simulated minute takes 60 real ms" is exact
        VirtualTimeScheduler real = VirtualTimeScheduler.create();
        real.advanceTimeBy(Duration.ofSeconds(1_000));
        SimTime time = SimTime.scaling(1000, real);
        long simStart = time.nowMillis();
        assertThat(simStart).isEqualTo(1_000_000);
        boolean[] fired = {false};
        Mono.delay(Duration.ofMinutes(1), time.scheduler()).subscribe(t -> fired[0] = true);
        real.advanceTimeBy(Duration.ofMillis(59));
        assertThat(fired[0]).as("59 real ms: 59 simulated s").isFalse();
        assertThat(time.nowMillis() - simStart).isEqualTo(59_000);
        real.advanceTimeBy(Duration.ofMillis(1));
        assertThat(fired[0]).as("60 real ms: one simulated minute").isTrue();
        assertThat(time.nowMillis() - simStart).isEqualTo(60_000);
        assertThat(time.scheduler().now(TimeUnit.MILLISECONDS)).isEqualTo(time.nowMillis());
        assertThat(time.clock().millis()).isEqualTo(simStart + 60_000);
        assertThat(time.toReal(Duration.ofMinutes(1))).isEqualTo(Duration.ofMillis(60));
        real.dispose();
    }

    @Test
    void acceleratedTimeStartsAtTheWallClockAndUsesTheScale() {
        long before = System.currentTimeMillis();
        SimTime time = SimTime.accelerated(1000);
        assertThat(time.scale()).isEqualTo(1000);
        assertThat(time.nowMillis()).isGreaterThanOrEqualTo(before);
        assertThat(time.toReal(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(1));
        assertThat(time.toSimulated(Duration.ofSeconds(60))).as("a real minute").isEqualTo(Duration.ofSeconds(60_000));
        assertThat(time.toReal(time.toSimulated(Duration.ofMillis(7)))).isEqualTo(Duration.ofMillis(7));
        assertThat(SimTime.accelerated(1.5).toSimulated(Duration.ofNanos(1))).as("rounded up")
                .isEqualTo(Duration.ofNanos(2));
        assertThat(time.toSimulated(Duration.ofDays(365 * 1000))).as("saturates")
                .isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
    }

    @Test
    void followingTimeIsTheSchedulersTime() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        SimTime time = SimTime.following(vts);
        assertThat(time.nowMillis()).isZero();
        vts.advanceTimeBy(Duration.ofSeconds(42));
        assertThat(time.nowMillis()).isEqualTo(42_000);
        assertThat(time.clock().instant().getEpochSecond()).isEqualTo(42);
    }

    @Test
    void aScaleMustBePositive() {
        assertThatThrownBy(() -> SimTime.accelerated(0)).hasMessageContaining("scale");
        assertThatThrownBy(() -> SimTime.accelerated(Double.NaN)).hasMessageContaining("scale");
    }
}
