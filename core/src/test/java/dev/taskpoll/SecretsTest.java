package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.LogCapture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The API key never reaches a log line, an exception message or a {@code toString()}. */
class SecretsTest {

    private static final String KEY = "sk-live-SECRET-7d1c4b9e";

    @Test
    void theKeyIsHiddenFromToString() {
        ApiKey key = ApiKey.of(KEY);
        assertThat(key.toString()).doesNotContain(KEY).isEqualTo("ApiKey[redacted]");
        ClientOptions options = ClientOptions.builder().apiKey(key).build();
        assertThat(options.toString()).doesNotContain(KEY).contains("ApiKey[redacted]");
    }

    @Test
    void aBadKeyIsRejectedWithoutQuotingIt() {
        assertThatThrownBy(() -> ApiKey.of("sk-with space")).hasMessageNotContaining("sk-with")
                .hasMessageContaining("index 7");
        assertThatThrownBy(() -> ApiKey.of("sk\r\nX-Injected: 1")).hasMessageNotContaining("Injected");
        assertThatThrownBy(() -> ApiKey.of("  ")).hasMessageContaining("apiKey");
    }

    @Test
    void theKeyComesFromTheEnvironmentWhenNotSet() {
        ClientOptions options = ClientOptions.builder().build(Map.of("OPC_API_KEY", KEY)::get);
        assertThat(options.apiKey()).isEqualTo(ApiKey.of(KEY));
        assertThatThrownBy(() -> ClientOptions.builder().build(name -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("apiKey").hasMessageContaining("OPC_API_KEY");
    }

    @Test
    void resultUrlSignaturesAreNotPrinted() {
        TaskStatus s = new TaskStatus("t", TaskState.COMPLETED, "completed", null, null,
                List.of("https://cdn.example.com/v/1.mp4?X-Amz-Signature=abcdef&token=zzz"), null, null, null,
                java.time.Instant.EPOCH);
        assertThat(s.toString()).contains("https://cdn.example.com/v/1.mp4?…").doesNotContain("abcdef")
                .doesNotContain("zzz");
    }

    @Test
    void nothingLoggedWhileTrackingThroughFailuresContainsTheKey() {
        String[] loggers = {"", "dev.taskpoll", "reactor"}; // everything, at every level
        List<Level> before = java.util.Arrays.stream(loggers).map(l -> Logger.getLogger(l).getLevel()).toList();
        LogCapture log = LogCapture.of(Level.ALL, loggers);
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        try (FakeHttp server = FakeHttp.start((req, res) -> {
            int call = n.incrementAndGet();
            int status = call == 1 ? 503 : call == 2 ? 429 : call == 3 ? 200 : 401;
            String body = call == 3 ? "{\"status\":\"weird\"}" : "{\"msg\":\"echo " + KEY + "\"}";
            return res.status(status).sendString(Mono.just(body), StandardCharsets.UTF_8);
        });
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(server.baseUrl())
                     .apiKey(KEY)
                     .trackerOptions(TrackerOptions.builder().fixedGrid()
                             .transientBackoff(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 1, 0))
                             .retryAfterBounds(Duration.ZERO, Duration.ofMillis(5))
                             .throttleBackoff(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5), 1, 0))
                             .build())
                     .build())) {
            StepVerifier.create(client.track(TaskRef.of("t", Family.SORA)
                            .withPolicy(PollPolicy.of(Duration.ofMillis(10), Duration.ofSeconds(10)))))
                    .expectNextMatches(s -> s.state() == TaskState.UNKNOWN)
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(ApiStatusException.class);
                        assertThat(e.getMessage()).doesNotContain(KEY);
                        assertThat(String.valueOf(((ApiStatusException) e).lastStatus())).doesNotContain(KEY);
                    })
                    .verify(Duration.ofSeconds(10));
        } finally {
            log.close();
        }
        assertThat(java.util.Arrays.stream(loggers).map(l -> Logger.getLogger(l).getLevel()).toList())
                .as("levels restored").isEqualTo(before);
        List<String> lines = log.everything();
        // the capture really sees taskpoll's lines: the unknown status was logged
        assertThat(lines).anyMatch(l -> l.contains("unknown status") && l.contains("weird"));
        assertThat(lines).noneMatch(l -> l.contains(KEY) || l.contains("SECRET"));
    }
}
