package dev.taskpoll.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.StoreCodec;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.io.IOException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Cluster mode's {@link StatusHints}: a callback any instance receives reaches the instance that polls the task. An
 * offer is published on the namespace's hints channel (fire and forget: a hint is never the truth, and polling goes
 * on without it); every instance hears it, and the one holding the task's shard hands it to its tracker. A hint for a
 * task no instance holds yet reaches the shard's holder all the same, which keeps it until tracking starts.
 */
final class RedisHints implements StatusHints {

    private static final Logger log = Loggers.getLogger(RedisHints.class);
    private static final ObjectMapper JSON = Records.JSON;

    private final RedisReactiveCommands<String, String> redis;
    private final String channel;
    private final Predicate<TaskRef> holds;
    private final String where;
    private volatile @Nullable Listener listener;

    RedisHints(RedisReactiveCommands<String, String> redis, String channel, Predicate<TaskRef> holds, String where) {
        this.redis = redis;
        this.channel = channel;
        this.holds = holds;
        this.where = where;
    }

    @Override
    public void connect(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void offer(TaskKind kind, TaskStatus status) {
        publish(JSON.createObjectNode().put("k", StoreCodec.kind(kind)).put("s", StoreCodec.status(status)),
                status.taskId());
    }

    @Override
    public void forget(TaskKind kind, String taskId) {
        publish(JSON.createObjectNode().put("k", StoreCodec.kind(kind)).put("f", taskId), taskId);
    }

    private void publish(ObjectNode message, String taskId) {
        redis.publish(channel, message.toString()).subscribe(null, e -> log.warn("task store redis {}: a callback"
                + " for task '{}' could not be passed on ({}); the task's polls will see it", where, taskId,
                RedisStore.describe(e)));
    }

    /** A message of the hints channel, from any instance (this one too). */
    void heard(String message) {
        Listener l = listener;
        if (l == null) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(message);
            TaskKind kind = StoreCodec.kind(n.path("k").asText());
            if (n.has("f")) {
                String id = n.get("f").asText();
                if (holds.test(TaskRef.of(id, kind))) {
                    l.forget(kind, id);
                }
                return;
            }
            TaskStatus status = StoreCodec.status(n.path("s").asText());
            if (status != null && holds.test(TaskRef.of(status.taskId(), kind))) {
                l.hint(kind, status);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("task store redis {}: a malformed hint ignored ({})", where, RedisStore.describe(e));
        }
    }
}
