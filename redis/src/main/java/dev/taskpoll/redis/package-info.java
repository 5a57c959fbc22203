/**
 * Cluster mode on Redis: {@link dev.taskpoll.redis.RedisStore}, a {@link dev.taskpoll.spi.TaskStore} several
 * instances share.
 */
@NullMarked
package dev.taskpoll.redis;

import org.jspecify.annotations.NullMarked;
