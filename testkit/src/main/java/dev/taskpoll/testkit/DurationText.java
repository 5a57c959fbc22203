package dev.taskpoll.testkit;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them on a command line, the same for {@code taskpoll} and {@code taskpoll-simulator}:
 * {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT30S}); positive, at most 366 days.
 */
public final class DurationText {

    /** The longest duration a flag takes (a deadline of a year is already past any generation's). */
    public static final Duration MAX = Duration.ofDays(366);

    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

    private DurationText() {
    }

    /**
     * The duration {@code text} says, for {@code flag}; refused with an {@link IllegalArgumentException} naming the
     * flag, the text and the rule ("--interval: 'soon' is not a positive duration (e.g. 30s, ...)").
     */
    public static Duration parse(String flag, String text) {
        Duration d = parseOrNull(flag, text);
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(flag + ": '" + text
                    + "' is not a positive duration (e.g. 30s, 500ms, 5m, 1h, PT30S)");
        }
        return d;
    }

    private static Duration parseOrNull(String flag, String text) {
        Matcher m = SHORT.matcher(text.trim().toLowerCase(Locale.ROOT));
        Duration d;
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } catch (NumberFormatException | ArithmeticException e) {
                d = MAX.plusMillis(1);
            }
        } else {
            try {
                d = Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(flag + ": '" + text + "' is longer than " + MAX.toDays()
                    + " days, the most taskpoll takes");
        }
        return d;
    }
}
