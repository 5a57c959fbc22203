package dev.taskpoll.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.AssetLibrary;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.TaskKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link TaskStore} writes what it keeps, so that every store writes it alike and a record written by one
 * taskpoll reads back in another: kinds by name, statuses as JSON objects, a cadence model's window as text.
 */
public final class StoreCodec {

    // caches filled at load: Jackson fills them under a lock, which two event loops must not meet
    private static final ObjectMapper JSON = warm(new ObjectMapper());

    private static ObjectMapper warm(ObjectMapper mapper) {
        try {
            mapper.readTree("{\"a\":[1,\"b\",true,null,{\"c\":1.5}]}");
            mapper.writeValueAsString(mapper.createObjectNode().put("a", 1).putNull("b"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Jackson could not warm up", e);
        }
        return mapper;
    }
    private static final String ASSET = "asset:";

    private StoreCodec() {
    }

    /**
     * A kind by name: a family's name, or {@code asset:} and the library's.
     *
     * @param kind the family or asset library
     * @return its name
     */
    public static String kind(TaskKind kind) {
        return kind instanceof AssetLibrary a ? ASSET + a.name() : kind.name();
    }

    /**
     * The kind {@link #kind(TaskKind)} named.
     *
     * @param name a name {@link #kind(TaskKind)} gave
     * @return the kind
     */
    public static TaskKind kind(String name) {
        return name.startsWith(ASSET) ? AssetLibrary.valueOf(name.substring(ASSET.length())) : Family.valueOf(name);
    }

    /**
     * A status as one JSON object (every field but none that is null).
     *
     * @param s the status
     * @return the JSON object
     */
    public static String status(TaskStatus s) {
        // written field by field (a tree built first cost about twice as much: once per status change recorded)
        java.io.StringWriter out = new java.io.StringWriter(160 + 96 * s.resultUrls().size());
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("taskId", s.taskId());
            g.writeStringField("state", s.state().name());
            g.writeStringField("rawStatus", s.rawStatus());
            g.writeNumberField("observedAt", s.observedAt().toEpochMilli());
            if (s.model() != null) {
                g.writeStringField("model", s.model());
            }
            if (s.createdAt() != null) {
                g.writeNumberField("createdAt", s.createdAt().toEpochMilli());
            }
            g.writeArrayFieldStart("resultUrls");
            for (String url : s.resultUrls()) {
                g.writeString(url);
            }
            g.writeEndArray();
            if (s.error() != null) {
                g.writeStringField("error", s.error());
            }
            if (s.actualDuration() != null) {
                g.writeNumberField("actualDurationMs", s.actualDuration().toMillis());
            }
            if (s.totalTokens() != null) {
                g.writeNumberField("totalTokens", s.totalTokens());
            }
            if (s.completedAt() != null) {
                g.writeNumberField("completedAt", s.completedAt().toEpochMilli());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * The status {@link #status(TaskStatus)} wrote; null for null.
     *
     * @param json the JSON object, or null
     * @return the status, or null
     */
    public static @Nullable TaskStatus status(@Nullable String json) {
        if (json == null) {
            return null;
        }
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> urls = new ArrayList<>();
        n.path("resultUrls").forEach(u -> urls.add(u.asText()));
        return new TaskStatus(n.path("taskId").asText(), TaskState.valueOf(n.path("state").asText()),
                n.path("rawStatus").asText(), text(n, "model"),
                n.has("createdAt") ? Instant.ofEpochMilli(n.get("createdAt").asLong()) : null, urls, text(n, "error"),
                n.has("actualDurationMs") ? Duration.ofMillis(n.get("actualDurationMs").asLong()) : null,
                n.has("totalTokens") ? n.get("totalTokens").asLong() : null,
                Instant.ofEpochMilli(n.path("observedAt").asLong()),
                n.has("completedAt") ? Instant.ofEpochMilli(n.get("completedAt").asLong()) : null);
    }

    private static @Nullable String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * A cadence model's window as text: "lo:hi" pairs separated by commas (ms).
     *
     * @param pairs the window, as {@code lo, hi} pairs
     * @return the text
     */
    public static String window(long[] pairs) {
        StringBuilder b = new StringBuilder(pairs.length * 8);
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (i > 0) {
                b.append(',');
            }
            b.append(pairs[i]).append(':').append(pairs[i + 1]);
        }
        return b.toString();
    }

    /**
     * The pairs of {@link #window(long[])}; a malformed pair is skipped, not fatal (the model relearns it).
     *
     * @param text the text {@link #window(long[])} wrote
     * @return the window, as {@code lo, hi} pairs
     */
    public static long[] window(String text) {
        if (text == null || text.isEmpty()) {
            return new long[0];
        }
        String[] parts = text.split(",");
        long[] out = new long[parts.length * 2];
        int n = 0;
        for (String p : parts) {
            int colon = p.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            try {
                long lo = Long.parseLong(p.substring(0, colon));
                long hi = Long.parseLong(p.substring(colon + 1));
                out[n++] = lo;
                out[n++] = hi;
            } catch (NumberFormatException e) {
                // skipped
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
