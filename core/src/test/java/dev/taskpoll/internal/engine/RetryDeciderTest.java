package dev.taskpoll.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.ResponseTooLargeException;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.TransportException;
import dev.taskpoll.internal.engine.RetryDecider.Kind;
import dev.taskpoll.spi.PollBudget;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryDeciderTest {

    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private final RetryDecider decider = new RetryDecider(TrackerOptions.defaults());

    private static ApiStatusException http(int status, String retryAfter) {
        return new ApiStatusException("t", status, retryAfter, null);
    }

    @Test
    void classifiesEveryFailureKind() {
        assertThat(RetryDecider.classify(http(429, null))).isEqualTo(Kind.THROTTLED);
        for (int s : new int[] {408, 500, 502, 503, 504}) {
            assertThat(RetryDecider.classify(http(s, null))).as("HTTP %d", s).isEqualTo(Kind.TRANSIENT);
        }
        for (int s : new int[] {400, 401, 402, 403, 404, 410}) {
            assertThat(RetryDecider.classify(http(s, null))).as("HTTP %d", s).isEqualTo(Kind.PERMANENT);
        }
        assertThat(RetryDecider.classify(new TransportException("t", "reset", null))).isEqualTo(Kind.TRANSIENT);
        assertThat(RetryDecider.classify(new MalformedResponseException("t", "empty"))).isEqualTo(Kind.TRANSIENT);
        assertThat(RetryDecider.classify(new IllegalStateException("bug"))).isEqualTo(Kind.PERMANENT);
        assertThat(RetryDecider.classify(new ResponseTooLargeException("t", 1024))).as("the same body next time")
                .isEqualTo(Kind.PERMANENT);
    }

    @Test
    void tellsTheBudgetWhatEachFailureMeans() {
        assertThat(RetryDecider.outcome(http(429, "3"))).isEqualTo(PollBudget.Outcome.THROTTLED);
        assertThat(RetryDecider.outcome(http(503, null))).isEqualTo(PollBudget.Outcome.FAILED);
        assertThat(RetryDecider.outcome(new TransportException("t", "reset", null))).isEqualTo(PollBudget.Outcome.FAILED);
        assertThat(RetryDecider.outcome(new MalformedResponseException("t", "empty")))
                .isEqualTo(PollBudget.Outcome.FAILED);
        // a 404 or another 4xx is an answer: the API is up, the circuit must not open for it
        assertThat(RetryDecider.outcome(http(404, null))).isEqualTo(PollBudget.Outcome.ANSWERED);
        assertThat(RetryDecider.outcome(http(401, null))).isEqualTo(PollBudget.Outcome.ANSWERED);
        // an envelope's business failure as the decoder reads it (HTTP 200, code other than 0): retried as a body that
        // is not a status, but an answer for the circuit (purged task ids opened it for every task)
        Throwable envelope = decoded("{\"code\":\"1004\",\"msg\":\"task not found\",\"data\":null}");
        assertThat(RetryDecider.classify(envelope)).isEqualTo(Kind.TRANSIENT);
        assertThat(RetryDecider.outcome(envelope)).isEqualTo(PollBudget.Outcome.ANSWERED);
        assertThat(RetryDecider.outcome(decoded("{\"id\":\"t\"}"))).as("no status, no envelope")
                .isEqualTo(PollBudget.Outcome.FAILED);
    }

    private static Throwable decoded(String body) {
        try {
            new dev.taskpoll.internal.http.StatusDecoder(new com.fasterxml.jackson.databind.ObjectMapper())
                    .decode("t", body.getBytes(java.nio.charset.StandardCharsets.UTF_8), NOW);
        } catch (MalformedResponseException e) {
            return e;
        }
        throw new AssertionError("decoded: " + body);
    }

    @Test
    void retryAfterIsHonouredWithinFloorAndCeiling() {
        assertThat(decider.throttleDelay("7", 1, NOW, 0.5).delay()).isEqualTo(Duration.ofSeconds(7));
        assertThat(decider.throttleDelay("0", 1, NOW, 0.5).delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(decider.throttleDelay("86400", 1, NOW, 0.5).delay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(decider.throttleDelay("Sat, 21 Nov 2026 10:01:00 GMT", 1, NOW, 0.5).delay())
                .isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void withoutRetryAfterThrottlingBacksOffExponentially() {
        assertThat(decider.throttleDelay(null, 1, NOW, 0.5).delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(decider.throttleDelay("garbage", 4, NOW, 0.5).delay()).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void itSaysWhetherTheServerAskedForTheWait() {
        assertThat(decider.throttleDelay("7", 1, NOW, 0.5).serverAsked()).isTrue();
        assertThat(decider.throttleDelay("garbage", 1, NOW, 0.5).serverAsked()).isFalse();
        assertThat(decider.throttleDelay(null, 1, NOW, 0.5).serverAsked()).isFalse();
    }

    @Test
    void transientRetriesAreBounded() {
        assertThat(decider.transientDelay(1, 0.5)).isEqualTo(Duration.ofMillis(500));
        assertThat(decider.exhausted(10)).isFalse();
        assertThat(decider.exhausted(11)).isTrue();
    }
}
