package dev.taskpoll.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Parses {@code Retry-After} (RFC 9110 section 10.2.3): delay-seconds or an HTTP date. Pure. */
public final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * The wait the header asks for, measured from {@code now}: a date in the past gives zero. Empty when the header
     * is absent or unreadable (a negative number, a fraction, garbage).
     */
    public static Optional<Duration> parse(@Nullable String header, Instant now) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.trim();
        if (h.isEmpty()) {
            return Optional.empty();
        }
        if (h.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (h.length() > 9) { // more than ~31 years: cap rather than overflow; the tracker caps further
                return Optional.of(Duration.ofSeconds(999_999_999L));
            }
            return Optional.of(Duration.ofSeconds(Long.parseLong(h)));
        }
        try {
            Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
