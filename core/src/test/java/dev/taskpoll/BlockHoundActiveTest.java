package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Proves that BlockHound is installed in this test JVM, so that every other test here would fail if taskpoll
 * blocked a Reactor or Netty thread.
 */
class BlockHoundActiveTest {

    @Test
    void blockingOnAReactorThreadIsCaught() {
        assertThatThrownBy(() -> Mono.delay(Duration.ofMillis(1), Schedulers.parallel())
                .doOnNext(x -> {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .block(Duration.ofSeconds(5)))
                .hasMessageContaining("Blocking call");
    }
}
