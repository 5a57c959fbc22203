package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.2);

    @Test
    void growsExponentiallyUpToTheMax() {
        assertThat(backoff.delay(1, 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(2, 0.5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(6, 0.5)).isEqualTo(Duration.ofSeconds(32));
        assertThat(backoff.delay(7, 0.5)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.delay(1000, 0.5)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void jitterStaysWithinItsBandAndUnderTheMax() {
        assertThat(backoff.delay(3, 0.0)).isEqualTo(Duration.ofMillis(3200));
        assertThat(backoff.delay(3, 0.999999)).isBetween(Duration.ofMillis(4799), Duration.ofMillis(4800));
        assertThat(backoff.delay(50, 0.999999)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void invalidValuesAreRejectedNamingTheField() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0))
                .hasMessageContaining("initial");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0))
                .hasMessageContaining("max");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5))
                .hasMessageContaining("jitter");
        assertThatThrownBy(() -> backoff.delay(0, 0.5)).hasMessageContaining("attempt");
    }
}
