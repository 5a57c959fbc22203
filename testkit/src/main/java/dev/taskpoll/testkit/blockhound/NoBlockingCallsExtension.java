package dev.taskpoll.testkit.blockhound;

import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test during which BlockHound found a blocking call on any thread. Registered for automatic detection
 * (enable it with {@code junit.jupiter.extensions.autodetection.enabled=true}), or with {@code @ExtendWith}.
 */
public final class NoBlockingCallsExtension implements BeforeEachCallback, AfterEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        BlockingCalls.drain();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> found = BlockingCalls.drain();
        if (!found.isEmpty()) {
            throw new AssertionError("BlockHound found blocking calls during " + context.getDisplayName() + ": "
                    + found);
        }
    }
}
