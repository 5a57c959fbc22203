package dev.taskpoll.internal.engine;

import io.netty.handler.codec.DateFormatter;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Parses {@code Retry-After} (RFC 9110 section 10.2.3): delay-seconds or an HTTP date. Pure.
 *
 * <p>Dates are read by Netty's {@link DateFormatter}, which accepts the three formats RFC 9110 section 5.6.7 requires
 * a recipient to parse: IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), the obsolete RFC 850 form
 * ({@code Sunday, 06-Nov-94 08:49:37 GMT}) and ANSI C's asctime ({@code Sun Nov  6 08:49:37 1994}).
 */
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
        Date at = DateFormatter.parseHttpDate(h);
        if (at == null) {
            return Optional.empty();
        }
        Duration d = Duration.between(now, at.toInstant());
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
    }
}
