package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.callback.CallbackReceiver;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Callbacks that come before the submit call has returned (the task id not known yet). */
class EarlyCallbackTest {

    /**
     * A 'completed' callback followed, still before the submit returned, by a late 'in_progress' one (callbacks may
     * come out of order): the terminal one is the hint applied once the id is known, and a poll confirms it at once.
     * Only the last early status was kept, and the task waited for its first planned poll (here a minute).
     */
    @Test
    void aTerminalEarlyCallbackIsNotReplacedByALaterNonTerminalOne() throws Exception {
        AtomicReference<String> callbackUrl = new AtomicReference<>();
        Sinks.One<Boolean> release = Sinks.one();
        String done = "{\"id\":\"t-1\",\"status\":\"completed\",\"outputs\":[\"https://x.example/a.png\"]}";
        try (FakeHttp fake = FakeHttp.start((req, res) -> {
            if (req.method().name().equals("POST")) {
                return req.receive().aggregate().asString(StandardCharsets.UTF_8).flatMap(body -> {
                    callbackUrl.set(body.replaceAll(".*\"callback_url\":\"([^\"]+)\".*", "$1"));
                    return release.asMono().then(Mono.from(res.header("Content-Type", "application/json")
                            .sendString(Mono.just("{\"id\":\"t-1\",\"status\":\"queued\"}"))));
                });
            }
            return res.header("Content-Type", "application/json").sendString(Mono.just(done));
        });
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(fake.baseUrl())
                     .apiKey("k").trackerOptions(TrackerOptions.builder().fixedGrid()
                             .policy(Family.GENERIC_TASK, PollPolicy.of(Duration.ofMinutes(1), Duration.ofMinutes(30)))
                             .build()).build())) {
            CallbackReceiver receiver = CallbackReceiver.create(client, "https://app.example/cb");
            var statuses = receiver.submitAndTrack(GenerationRequest.task("flux-pro", Map.of("prompt", "a cat")))
                    .collectList().toFuture();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (callbackUrl.get() == null) {
                assertThat(System.nanoTime()).as("the create call reached the server").isLessThan(until);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            String path = callbackUrl.get().substring("https://app.example/cb/".length());
            assertThat(receiver.receive(path, done.getBytes(StandardCharsets.UTF_8))).isEqualTo(204);
            assertThat(receiver.receive(path, "{\"id\":\"t-1\",\"status\":\"in_progress\"}"
                    .getBytes(StandardCharsets.UTF_8))).isEqualTo(204);
            release.tryEmitValue(true);
            List<TaskStatus> seen = statuses.get(20, TimeUnit.SECONDS);
            assertThat(seen).last().satisfies(s -> assertThat(s.state()).isEqualTo(TaskState.COMPLETED));
        }
    }
}
