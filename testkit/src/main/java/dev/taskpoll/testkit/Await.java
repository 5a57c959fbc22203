package dev.taskpoll.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * For tests of real processes and servers (Redis, child JVMs), where virtual time cannot reach: waits until a
 * condition holds, checking it every 20 ms, and fails naming what did not happen once {@code within} has passed.
 * Never a fixed pause: the test goes on as soon as the condition holds.
 */
public final class Await {

    private Await() {
    }

    /** Returns once {@code done} holds; throws an {@link AssertionError} naming {@code what} after {@code within}. */
    public static void until(BooleanSupplier done, Duration within, String what) {
        long end = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            LockSupport.parkNanos(20_000_000L);
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted while waiting for: " + what);
            }
        }
    }
}
