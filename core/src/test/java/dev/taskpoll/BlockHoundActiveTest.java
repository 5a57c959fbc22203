package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.testkit.blockhound.BlockingCalls;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Proves that BlockHound is installed in this test JVM, so that every other test here would fail if taskpoll (or the
 * simulator) blocked a Reactor or Netty thread: the call throws, and is recorded for the testkit's
 * {@code NoBlockingCallsExtension}, which fails the test even when the error was swallowed on another thread.
 */
class BlockHoundActiveTest {

    @Test
    void blockingOnAReactorThreadIsCaught() {
        assertThatThrownBy(() -> Mono.delay(Duration.ofMillis(1), Schedulers.parallel())
                .doOnNext(x -> {
                    LockSupport.parkNanos(1_000); // a deliberate blocking call
                })
                .block(Duration.ofSeconds(5)))
                .hasMessageContaining("Blocking call");
        // recorded too, so a call swallowed on some other thread still fails the test; taken here, since this one
        // blocked on purpose
        assertThat(BlockingCalls.drain()).singleElement().asString()
                .contains("Unsafe#park").contains("parallel-");
    }
}
