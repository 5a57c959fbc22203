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
        SimTime time = SimTime.accelerated(1000);
        long realStart = System.nanoTime();
        long simStart = time.nowMillis();
        // one simulated minute takes 60 real milliseconds
        Mono.delay(Duration.ofMinutes(1), time.scheduler()).block(Duration.ofSeconds(10));
        long realMillis = (System.nanoTime() - realStart) / 1_000_000;
        assertThat(realMillis).isLessThan(5_000);
        assertThat(time.nowMillis() - simStart).isGreaterThanOrEqualTo(60_000);
        assertThat(time.scheduler().now(TimeUnit.MILLISECONDS)).isCloseTo(time.nowMillis(),
                org.assertj.core.api.Assertions.within(5_000L));
        assertThat(time.toReal(Duration.ofMinutes(1))).isEqualTo(Duration.ofMillis(60));
        assertThat(time.clock().millis()).isGreaterThanOrEqualTo(simStart + 60_000);
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
