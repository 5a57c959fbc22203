package dev.taskpoll.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.spi.StoreCodec;
import dev.taskpoll.spi.TaskStore;
import io.lettuce.core.KeyValue;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A task's Redis hash, to and from what the store's callers see. */
final class Records {

    /**
     * The module's one mapper, its (de)serializer caches filled at class load: Jackson fills them under a
     * {@code ReentrantLock}, and two of Lettuce's event loops decoding their first message at once parked one
     * (BlockHound caught it in a change and a hint heard by two instances at once).
     */
    static final ObjectMapper JSON = warm(new ObjectMapper());

    private static ObjectMapper warm(ObjectMapper mapper) {
        try {
            mapper.readTree("{\"a\":[1,\"b\",true,null,{\"c\":1.5}]}");
            mapper.writeValueAsString(mapper.createObjectNode().put("a", 1).putNull("b"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Jackson could not warm up", e);
        }
        return mapper;
    }

    private Records() {
    }

    /** The field/value pairs of a new task's hash. */
    static List<String> fields(TaskStore.Tracked t, int shard, long intentId, String instance) {
        TaskRef ref = t.ref();
        PollPolicy p = Objects.requireNonNull(ref.policy(), "ref.policy");
        List<String> f = new ArrayList<>(28);
        add(f, "kind", StoreCodec.kind(ref.kind()));
        add(f, "model", ref.model() == null ? "" : ref.model());
        add(f, "shape", ref.shape() == null ? "" : ref.shape());
        add(f, "initial", p.initialDelay().toMillis());
        add(f, "period", p.period().toMillis());
        add(f, "deadline_ms", p.deadline().toMillis());
        add(f, "started_at", t.startedAt().toEpochMilli());
        add(f, "deadline_at", t.deadline().toEpochMilli());
        add(f, "first_due", t.firstDue());
        add(f, "submitted_at", t.startedAt().toEpochMilli());
        add(f, "shard", shard);
        add(f, "intent_id", intentId);
        add(f, "origin", instance);
        return f;
    }

    private static void add(List<String> f, String k, Object v) {
        f.add(k);
        f.add(String.valueOf(v));
    }

    static Map<String, String> pairs(List<?> flat) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            m.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return m;
    }

    static Map<String, String> hash(Iterable<KeyValue<String, String>> kvs) {
        Map<String, String> m = new HashMap<>();
        for (KeyValue<String, String> kv : kvs) {
            if (kv.hasValue()) {
                m.put(kv.getKey(), kv.getValue());
            }
        }
        return m;
    }

    static TaskRef ref(String id, Map<String, String> h) {
        TaskKind kind = StoreCodec.kind(h.get("kind"));
        String model = h.getOrDefault("model", "");
        PollPolicy policy = new PollPolicy(Duration.ofMillis(num(h, "initial")), Duration.ofMillis(num(h, "period")),
                Duration.ofMillis(num(h, "deadline_ms")));
        String shape = h.getOrDefault("shape", "");
        return new TaskRef(id, kind, model.isEmpty() ? null : model, policy, shape.isEmpty() ? null : shape);
    }

    static TaskStore.Tracked tracked(String id, Map<String, String> h, long firstDue) {
        return new TaskStore.Tracked(ref(id, h), Instant.ofEpochMilli(num(h, "started_at")),
                Instant.ofEpochMilli(num(h, "deadline_at")), firstDue, StoreCodec.status(h.get("last")));
    }

    static long num(Map<String, String> h, String field) {
        String v = h.get(field);
        return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
    }

    static TaskRecord record(String id, Map<String, String> h, List<StoredFile> files, List<TaskStatus> history) {
        TaskRef ref = ref(id, h);
        boolean ended = h.containsKey("ended_at");
        String error = h.get("end_error");
        return new TaskRecord(id, ref.kind(), ref.model(), ended ? TaskRecord.Phase.ENDED : TaskRecord.Phase.OPEN,
                StoreCodec.status(h.get("last")), Instant.ofEpochMilli(num(h, "submitted_at")),
                ended ? Instant.ofEpochMilli(num(h, "ended_at")) : null, error, files, history,
                num(h, "intent_id"), null);
    }

    static TaskRecord inDoubt(long intentId, Map<String, String> h) {
        String model = h.getOrDefault("model", "");
        return new TaskRecord(null, StoreCodec.kind(h.get("kind")), model.isEmpty() ? null : model,
                TaskRecord.Phase.IN_DOUBT, null, Instant.ofEpochMilli(num(h, "at")), null, null, List.of(),
                List.of(), intentId, h.get("request"));
    }

    static String file(StoredFile f, String instance, long storedAt) {
        return JSON.createObjectNode().put("index", f.index()).put("path", f.path()).put("size", f.size())
                .put("sha256", f.sha256()).put("storedAt", storedAt).put("instance", instance)
                .toString();
    }

    static List<StoredFile> files(Map<String, String> results) {
        List<StoredFile> out = new ArrayList<>();
        for (String json : results.values()) {
            try {
                JsonNode n = JSON.readTree(json);
                out.add(new StoredFile(n.path("index").asInt(), n.path("path").asText(), n.path("size").asLong(),
                        n.path("sha256").asText()));
            } catch (IOException | RuntimeException e) {
                // a malformed entry is skipped: the others still list
            }
        }
        out.sort(Comparator.comparingInt(StoredFile::index));
        return out;
    }

    /** A change message: member, kind, status (JSON) or none, ended, error, by whom. */
    static String change(String member, TaskKind kind, @Nullable TaskStatus status, boolean ended,
                         @Nullable String error, String instance) {
        var n = JSON.createObjectNode().put("m", member).put("k", StoreCodec.kind(kind)).put("e", ended)
                .put("by", instance);
        if (status != null) {
            n.put("s", StoreCodec.status(status));
        }
        if (error != null) {
            n.put("err", error);
        }
        return n.toString();
    }

    /** The change a message says, or null when it is malformed or this instance's own. */
    static TaskStore.@Nullable Change change(String message, String me) {
        try {
            JsonNode n = JSON.readTree(message);
            if (me.equals(n.path("by").asText())) {
                return null;
            }
            String[] md = Keys.split(n.path("m").asText());
            TaskKind kind = StoreCodec.kind(n.path("k").asText());
            TaskRef ref = TaskRef.of(md[1], kind);
            TaskStatus status = n.has("s") ? StoreCodec.status(n.get("s").asText()) : null;
            return new TaskStore.Change(ref, status, n.path("e").asBoolean(),
                    n.has("err") ? n.get("err").asText() : null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
