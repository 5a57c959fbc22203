package dev.taskpoll.internal;

import java.math.BigDecimal;
import java.time.Duration;

/** Durations, and a provider's text, as messages and log lines show them to a person. */
public final class Shown {

    private Shown() {
    }

    /** In seconds: "60 s", "1.5 s", "0.5 s". */
    public static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** In the unit that reads best: "500 ms", "30 min", else {@link #seconds}. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + " min";
        }
        return seconds(d);
    }

    /**
     * A provider's text: printable (control characters, a line break among them, as spaces: a status with a line
     * break in it could forge a log line), at most 200 characters.
     */
    public static String text(String s) {
        String t = s.replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029]", " ").strip(); // line breaks beyond ASCII too
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }
}
