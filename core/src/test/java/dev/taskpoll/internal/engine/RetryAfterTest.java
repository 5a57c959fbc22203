package dev.taskpoll.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    @Test
    void delaySeconds() {
        assertThat(RetryAfter.parse("7", NOW)).contains(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse(" 0 ", NOW)).contains(Duration.ZERO);
    }

    @Test
    void anHttpDateIsMeasuredFromNow() {
        assertThat(RetryAfter.parse("Sat, 21 Nov 2026 10:00:42 GMT", NOW)).contains(Duration.ofSeconds(42));
    }

    @Test
    void allThreeDateFormatsOfRfc9110AreRead() {
        // RFC 9110 section 5.6.7: IMF-fixdate, the obsolete RFC 850 form and asctime, all 42 s after NOW
        assertThat(RetryAfter.parse("Sat, 21 Nov 2026 10:00:42 GMT", NOW)).contains(Duration.ofSeconds(42));
        assertThat(RetryAfter.parse("Saturday, 21-Nov-26 10:00:42 GMT", NOW)).contains(Duration.ofSeconds(42));
        assertThat(RetryAfter.parse("Sat Nov 21 10:00:42 2026", NOW)).contains(Duration.ofSeconds(42));
        // asctime pads a one-digit day with a space
        assertThat(RetryAfter.parse("Sun Nov  1 10:00:00 2026", Instant.parse("2026-11-01T09:59:00Z")))
                .contains(Duration.ofMinutes(1));
    }

    @Test
    void aDateInThePastMeansNow() {
        assertThat(RetryAfter.parse("Sat, 21 Nov 2026 09:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void absentOrUnreadableHeadersAreIgnored() {
        assertThat(RetryAfter.parse(null, NOW)).isEmpty();
        assertThat(RetryAfter.parse("", NOW)).isEmpty();
        assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("1.5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
    }

    @Test
    void hugeNumbersDoNotOverflow() {
        assertThat(RetryAfter.parse("99999999999999999999999", NOW)).get()
                .satisfies(d -> assertThat(d).isGreaterThan(Duration.ofDays(365)));
    }
}
