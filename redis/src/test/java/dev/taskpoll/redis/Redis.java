package dev.taskpoll.redis;

import dev.taskpoll.testkit.RedisServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Starts a real redis-server for a test; without one, skips with the reason (and fails in CI). */
final class Redis {

    private Redis() {
    }

    static RedisServer startOrSkip(Path dir) {
        return startOrSkip(dir, null);
    }

    static RedisServer startOrSkip(Path dir, String password) {
        String why = RedisServer.missing();
        if (why != null) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(why + " (in CI the Redis tests must run: .ci/run installs it)");
            }
            Assumptions.abort(why);
        }
        return RedisServer.start(dir, password);
    }
}
