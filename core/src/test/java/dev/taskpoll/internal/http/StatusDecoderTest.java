package dev.taskpoll.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every documented status body and every inconsistency of section 11 of the fact sheet. */
class StatusDecoderTest {

    private static final Instant AT = Instant.parse("2026-11-21T10:00:00Z");
    /** The client's response cap, which is the parser's one limit on documents and strings. */
    private static final int CAP = 64 * 1024;

    private final StatusDecoder decoder = new StatusDecoder(Json.newMapper(CAP));

    private TaskStatus decode(String json) {
        return decoder.decode("req", json.getBytes(StandardCharsets.UTF_8), AT);
    }

    @Test
    void theDocumentedQueryObjectWhileRunning() {
        TaskStatus s = decode("{\"id\":\"proj_1234567890\",\"object\":\"video\",\"created\":1761635478,"
                + "\"model\":\"videos\",\"status\":\"processing\",\"video_url\":null,\"error\":null}");
        assertThat(s.taskId()).isEqualTo("proj_1234567890");
        assertThat(s.state()).isEqualTo(TaskState.PROCESSING);
        assertThat(s.rawStatus()).isEqualTo("processing");
        assertThat(s.model()).isEqualTo("videos");
        assertThat(s.createdAt()).isEqualTo(Instant.ofEpochSecond(1761635478));
        assertThat(s.resultUrls()).isEmpty();
        assertThat(s.error()).isNull();
        assertThat(s.observedAt()).isEqualTo(AT);
    }

    /** A {@code created} out of an instant's range (nanoseconds) is no time, not a failure (it threw: a review). */
    @Test
    void aCreatedOutOfRangeIsLeftOut() {
        TaskStatus s = decode("{\"id\":\"x\",\"status\":\"queued\",\"created\":1761635478000000000}");
        assertThat(s.state()).isEqualTo(TaskState.QUEUED);
        assertThat(s.createdAt()).isNull();
    }

    @Test
    void aCompletedVideoWithDurationAndTokensAndCapitalObject() {
        TaskStatus s = decode("{\"id\":\"video_fd35\",\"object\":\"Video\",\"created\":1774836724,"
                + "\"model\":\"viduq3-pro\",\"status\":\"completed\",\"video_url\":\"https://cdn.x/v.mp4?sig=1\","
                + "\"actualDuration\":5.5,\"totalTokens\":108900}");
        assertThat(s.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(s.isTerminal()).isTrue();
        assertThat(s.resultUrls()).containsExactly("https://cdn.x/v.mp4?sig=1");
        assertThat(s.actualDuration()).isEqualTo(Duration.ofMillis(5500));
        assertThat(s.totalTokens()).isEqualTo(108900L);
    }

    @Test
    void aProvidersCompletionTimeInSecondsMillisecondsOrIso8601AndNothingWhenUnreadable() {
        String body = "{\"id\":\"task_1\",\"status\":\"completed\",\"output\":{\"url\":\"https://cdn.x/a\"},";
        assertThat(decode(body + "\"completed_at\":1774836724}").completedAt())
                .isEqualTo(Instant.ofEpochSecond(1774836724));
        assertThat(decode(body + "\"completed_at\":1774836724512}").completedAt())
                .isEqualTo(Instant.ofEpochMilli(1774836724512L));
        assertThat(decode(body + "\"finished_at\":\"2026-11-21T10:00:05Z\"}").completedAt())
                .isEqualTo(Instant.parse("2026-11-21T10:00:05Z"));
        assertThat(decode(body + "\"completed_at\":\"yesterday\"}").completedAt()).isNull();
        assertThat(decode(body + "\"completed_at\":null}").completedAt()).isNull();
        assertThat(decode(body.substring(0, body.length() - 1) + "}").completedAt()).isNull();
    }

    @Test
    void aCompletedImage() {
        TaskStatus s = decode("{\"id\":\"abc123def456\",\"object\":\"image.generation\",\"created\":1761635478,"
                + "\"model\":\"nano-banana-2\",\"status\":\"completed\",\"image_url\":\"https://cdn.x/i.png\"}");
        assertThat(s.resultUrls()).containsExactly("https://cdn.x/i.png");
    }

    @Test
    void aFailedTaskCarriesTheProvidersErrorAndAMissingErrorFieldIsFine() {
        TaskStatus failed = decode("{\"id\":\"x\",\"status\":\"failed\",\"error\":\"content policy violation\"}");
        assertThat(failed.state()).isEqualTo(TaskState.FAILED);
        assertThat(failed.error()).isEqualTo("content policy violation");
        TaskStatus noError = decode("{\"id\":\"sora_abc\",\"object\":\"video.generation\",\"status\":\"queued\"}");
        assertThat(noError.state()).isEqualTo(TaskState.QUEUED);
        assertThat(noError.error()).isNull();
    }

    @Test
    void seedanceCancelledIsTerminal() {
        TaskStatus s = decode("{\"id\":\"video_abc\",\"status\":\"cancelled\"}");
        assertThat(s.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(s.isTerminal()).isTrue();
    }

    @Test
    void statusesAreMatchedCaseInsensitively() {
        assertThat(decode("{\"status\":\"COMPLETED\"}").state()).isEqualTo(TaskState.COMPLETED);
        assertThat(decode("{\"status\":\"Processing\"}").state()).isEqualTo(TaskState.PROCESSING);
    }

    @Test
    void anUnknownStatusKeepsTheRawString() {
        TaskStatus s = decode("{\"id\":\"x\",\"status\":\"succeeded\"}");
        assertThat(s.state()).isEqualTo(TaskState.UNKNOWN);
        assertThat(s.rawStatus()).isEqualTo("succeeded");
        assertThat(s.isTerminal()).isFalse();
    }

    @Test
    void theCodeEnvelopeIsUnwrappedWithStringOrIntegerCode() {
        TaskStatus s1 = decode("{\"code\":\"0\",\"msg\":null,\"data\":{\"id\":\"proj_1\",\"status\":\"queued\"}}");
        assertThat(s1.taskId()).isEqualTo("proj_1");
        assertThat(s1.state()).isEqualTo(TaskState.QUEUED);
        TaskStatus s2 = decode("{\"code\":0,\"msg\":null,\"data\":{\"projectId\":\"proj_2\",\"status\":\"completed\","
                + "\"video_url\":\"https://x/v.mp4\"}}");
        assertThat(s2.taskId()).isEqualTo("proj_2");
        assertThat(s2.resultUrls()).containsExactly("https://x/v.mp4");
    }

    @Test
    void theGenericTaskDialect() {
        TaskStatus running = decode("{\"task_id\":\"task_1\",\"status\":\"in_progress\",\"outputs\":[]}");
        assertThat(running.taskId()).isEqualTo("task_1");
        assertThat(running.state()).isEqualTo(TaskState.PROCESSING);
        TaskStatus done = decode("{\"id\":\"task_1\",\"status\":\"completed\",\"outputs\":[\"https://x/1.mp4\","
                + "{\"url\":\"https://x/2.png\",\"type\":\"image\"}]}");
        assertThat(done.resultUrls()).containsExactly("https://x/1.mp4", "https://x/2.png");
        TaskStatus failed = decode("{\"id\":\"task_1\",\"status\":\"failed\",\"error\":{\"message\":\"bad input\"}}");
        assertThat(failed.error()).isEqualTo("bad input");
    }

    @Test
    void extraFieldsAndMissingIdAreTolerated() {
        TaskStatus s = decode("{\"status\":\"queued\",\"progress\":12,\"expires_at\":1,\"nested\":{\"a\":[1,2]}}");
        assertThat(s.taskId()).isEqualTo("req");
    }

    @Test
    void malformedBodiesSayWhatIsWrongWithoutQuotingTheBody() {
        assertThatThrownBy(() -> decode("")).isInstanceOf(MalformedResponseException.class)
                .hasMessageContaining("empty").hasMessageContaining("'req'");
        assertThatThrownBy(() -> decode("{\"id\":\"x\",\"status\":\"proc"))
                .isInstanceOf(MalformedResponseException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> decode("[1,2]")).isInstanceOf(MalformedResponseException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> decode("{\"id\":\"x\"}")).isInstanceOf(MalformedResponseException.class)
                .hasMessageContaining("no 'status'");
        assertThatThrownBy(() -> decode("{\"status\":\"queued\"} trailing"))
                .isInstanceOf(MalformedResponseException.class);
        assertThatThrownBy(() -> decode("<html>secret-token</html>")).isInstanceOf(MalformedResponseException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-token"));
    }

    @Test
    void hostileBodiesHitTheParserLimits() {
        String deep = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        assertThatThrownBy(() -> decode(deep)).isInstanceOf(MalformedResponseException.class);
        String longString = "{\"status\":\"queued\",\"error\":\"" + "x".repeat(CAP + 1) + "\"}";
        assertThatThrownBy(() -> decode(longString)).isInstanceOf(MalformedResponseException.class);
        String longNumber = "{\"status\":\"queued\",\"created\":" + "9".repeat(1000) + "}";
        assertThatThrownBy(() -> decode(longNumber)).isInstanceOf(MalformedResponseException.class);
    }

    @Test
    void theParserTakesWhatTheCapAllows() {
        // a document just under the cap, most of it one string: nothing but the cap limits it
        String big = "{\"status\":\"failed\",\"error\":\"" + "e".repeat(CAP - 40) + "\"}";
        assertThat(big.length()).isLessThan(CAP);
        assertThat(decode(big).error()).hasSize(CAP - 40);
    }
}
