package dev.taskpoll.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A provider's text as a log line shows it: one line, bounded. */
class ShownTest {

    /**
     * A raw status with a line break could forge a log line when logged as it came (the unknown-status warning did,
     * found by a review): control characters are spaces, and the text is cut at 200 characters.
     */
    @Test
    void aProvidersTextIsOneBoundedLine() {
        assertThat(Shown.text("weird\n2026-12-03 WARN forged line\r")).isEqualTo("weird 2026-12-03 WARN forged line");
        assertThat(Shown.text("x".repeat(250))).isEqualTo("x".repeat(200) + "...");
        assertThat(Shown.text("a\u2028b\u0085c")).as("line breaks beyond ASCII").isEqualTo("a b c");
    }
}
