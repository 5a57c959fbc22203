package dev.taskpoll.testkit.blockhound;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

class NoBlockingCallsExtensionTest {

    private final NoBlockingCallsExtension extension = new NoBlockingCallsExtension();
    private final ExtensionContext context = (ExtensionContext) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {ExtensionContext.class},
            (proxy, method, args) -> method.getName().equals("getDisplayName") ? "probe()" : null);

    @Test
    void aBlockingCallSwallowedOnAnotherThreadStillFailsTheTest() {
        extension.beforeEach(context);
        Mono.fromRunnable(() -> {
                    LockSupport.parkNanos(1_000); // a deliberate blocking call
                })
                .subscribeOn(Schedulers.parallel())
                .onErrorResume(e -> Mono.empty()) // swallowed, as a server's handler error would be
                .block(Duration.ofSeconds(5));
        assertThatThrownBy(() -> extension.afterEach(context))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("BlockHound found blocking calls during probe()")
                .hasMessageContaining("Unsafe#park on parallel-");
    }

    @Test
    void aTestWithoutBlockingCallsPasses() {
        extension.beforeEach(context);
        Mono.delay(Duration.ofMillis(1), Schedulers.parallel()).block(Duration.ofSeconds(5));
        assertThatCode(() -> extension.afterEach(context)).doesNotThrowAnyException();
    }
}
