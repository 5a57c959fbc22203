package dev.taskpoll.testkit.blockhound;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Loaded by BlockHound through {@code ServiceLoader}: a blocking call still throws {@link BlockingOperationError},
 * as by default, and is also recorded in {@link BlockingCalls}, so that a test can fail for it even when the error
 * was thrown, and swallowed, on some other thread.
 *
 * <p>One allowance: {@code java.util.logging}'s one-time initialisation of its global handlers (it reads its
 * configuration file under a lock), which the first log line of a JVM triggers on whatever thread logs it. That is
 * the logging backend setting itself up, not the code under test. And one inside Netty: its adaptive buffer
 * allocator, growing its magazines when two event loops allocate at once, takes a {@code StampedLock} write lock around
 * a few field writes ({@code AdaptivePoolingAllocator$Magazine.free} from {@code tryExpandMagazines}); Netty's own
 * BlockHound integration does not list it yet. Seen once under load, in a test of ours that allocates nothing itself.
 * And the test's logging backend writing a line: slf4j-simple prints each line to its stream (stderr, or the demo's
 * log file) on the thread that logs, so a warning logged on an event loop (an unknown status, a reset connection) was
 * a blocking call that threw inside the logger; production picks its own backend (an asynchronous appender, say).
 */
public final class RecordingBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("java.util.logging.LogManager", "initializeGlobalHandlers");
        builder.allowBlockingCallsInside("java.util.logging.LogManager", "ensureLogManagerInitialized");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
        builder.allowBlockingCallsInside("org.slf4j.simple.SimpleLogger", "write");
        builder.blockingMethodCallback(method -> {
            // where it was called from, so that a failure on a CI host says so without a rerun (BlockHound's and this
            // class's own frames left out)
            StringBuilder at = new StringBuilder();
            int shown = 0;
            for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
                String c = e.getClassName();
                if (c.startsWith("reactor.blockhound") || c.startsWith("java.lang.Thread")
                        || c.startsWith(RecordingBlockHoundIntegration.class.getName()) || shown >= 25) {
                    continue;
                }
                at.append("\n\tat ").append(e);
                shown++;
            }
            BlockingCalls.record(method + " on " + Thread.currentThread().getName() + at);
            throw new BlockingOperationError(method);
        });
    }
}
