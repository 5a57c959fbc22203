package dev.taskpoll.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A body thrown away (a redirect's, a range answer that does not fit) is read up to {@link Download#DRAIN_LIMIT}, not
 * to its end: it was read whole, with no cap, so a host answering a range with the whole file (or without end) had it
 * all downloaded and discarded (a review).
 */
class DrainTest {

    @Test
    void aBodyWithoutEndIsReadOnlyUpToTheLimit() {
        AtomicInteger sent = new AtomicInteger();
        Flux<ByteBuf> endless = Flux.generate(sink -> {
            sent.incrementAndGet();
            sink.next(Unpooled.wrappedBuffer(new byte[16 * 1024]));
        });
        StepVerifier.create(Download.drained(endless)).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(sent.get() * 16 * 1024).as("bytes read").isEqualTo(Download.DRAIN_LIMIT);
    }

    @Test
    void aShortBodyIsReadToItsEnd() {
        AtomicInteger sent = new AtomicInteger();
        Flux<ByteBuf> shortBody = Flux.range(0, 3).map(i -> {
            sent.incrementAndGet();
            return Unpooled.wrappedBuffer(new byte[100]);
        });
        StepVerifier.create(Download.drained(shortBody)).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(sent.get()).isEqualTo(3);
    }
}
