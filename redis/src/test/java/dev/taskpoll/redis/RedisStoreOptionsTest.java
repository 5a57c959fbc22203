package dev.taskpoll.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.TrackerOptions;
import org.junit.jupiter.api.Test;

/** Options that need no server. */
class RedisStoreOptionsTest {

    /**
     * A takeover's first polls are planned on the store's scheduler and run on the tracker's: by default they are one
     * clock (monotonic), so a step of the system clock does not put an orphan's first poll an hour out (found by a
     * review: the store's default was Reactor's parallel scheduler, whose now() is the system clock).
     */
    @Test
    void theDefaultSchedulerIsTheTrackers() {
        assertThat(RedisStoreOptions.builder("redis://127.0.0.1:1", "k").build().scheduler())
                .isSameAs(TrackerOptions.builder().build().scheduler())
                .isSameAs(TrackerOptions.defaultScheduler());
    }
}
