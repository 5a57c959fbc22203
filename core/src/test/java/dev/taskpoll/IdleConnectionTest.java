package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Family;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A pooled connection left idle past {@link ClientOptions#maxIdleTime()} is closed by the client, not reused: a NAT or
 * a load balancer may have dropped it without a word, and a submit sent on it would end in doubt.
 */
class IdleConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TaskRef TASK = TaskRef.of("vgen_1", Family.VEO);

    private static FakeHttp api() {
        return FakeHttp.start((req, res) -> res.header("Content-Type", "application/json")
                .sendString(Mono.just("{\"id\":\"vgen_1\",\"status\":\"processing\"}"), StandardCharsets.UTF_8));
    }

    /** Waits for an event (never for a time); fails after 10 s without it. */
    private static void await(java.util.function.BooleanSupplier condition, String what) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(until);
            LockSupport.parkNanos(5_000_000);
        }
    }

    @Test
    void theDefaultIs45SecondsAndAConnectionIsReusedWithinIt() {
        assertThat(ClientOptions.builder().apiKey("k").build().maxIdleTime()).isEqualTo(Duration.ofSeconds(45));
        try (FakeHttp api = api();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(api.baseUrl()).apiKey("k")
                     .build())) {
            client.status(TASK).block(WAIT);
            // the answer may reach the caller before its connection is back in the pool
            await(() -> client.poolStats().idle() == 1, "the connection back in the pool");
            client.status(TASK).block(WAIT);
            assertThat(api.uris).hasSize(2);
            assertThat(api.opened).as("the second request reused the first one's connection").hasValue(1);
            assertThat(api.closed).hasValue(0);
        }
    }

    @Test
    void aConnectionIdlePastMaxIdleTimeIsClosedByTheClientAndTheNextRequestOpensAnother() {
        try (FakeHttp api = api();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(api.baseUrl()).apiKey("k")
                     .maxIdleTime(Duration.ofMillis(50)).build())) {
            client.status(TASK).block(WAIT);
            assertThat(api.opened).hasValue(1);
            // the server never closes a connection itself: the close it sees is the client's pool evicting it
            await(() -> api.closed.get() == 1, "the idle connection closed");
            assertThat(client.poolStats().idle()).isZero();
            assertThat(client.status(TASK).block(WAIT).state()).isEqualTo(TaskState.PROCESSING);
            assertThat(api.opened).as("the second request went on a new connection").hasValue(2);
        }
    }
}
