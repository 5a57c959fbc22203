package dev.taskpoll.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.internal.Shown;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns a status body of either dialect into a {@link TaskStatus}, tolerantly: the GlobalAI OPC query object, the
 * same wrapped in a {@code {code, msg, data}} envelope, and the generic task dialect ({@code task_id},
 * {@code outputs[]}, {@code error} as text or object). Unknown fields are ignored; {@code null} URLs while running
 * are fine; an unknown status string becomes {@link TaskState#UNKNOWN} with the string kept. Only a body that is
 * not a JSON object, or has no {@code status}, is malformed.
 */
public final class StatusDecoder {

    private final ObjectMapper mapper;
    private final ConcurrentHashMap<String, String> strings = new ConcurrentHashMap<>();

    public StatusDecoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public TaskStatus decode(String requestedId, byte[] body, Instant observedAt) {
        if (body.length == 0) {
            throw new MalformedResponseException(requestedId, "empty response body");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedResponseException(requestedId, "response body is not valid JSON ("
                    + e.getOriginalMessage().split("\n", 2)[0] + ")");
        } catch (IOException e) {
            throw new MalformedResponseException(requestedId, "response body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedResponseException(requestedId, "response body is not a JSON object");
        }
        JsonNode node = root;
        if (!root.hasNonNull("status") && root.path("data").isObject()) {
            node = root.get("data");
        }
        String raw = text(node, "status");
        if (raw == null) {
            JsonNode code = root.get("code");
            if (code != null && code.isValueNode() && !code.isNull() && !code.asText().equals("0")) {
                // the envelope's business failure (opc-api.md, section 10): its code and reason, not just "no status"
                String msg = text(root, "msg");
                throw new EnvelopeFailure(requestedId, "response has no 'status': the API answered code '"
                        + Shown.text(code.asText()) + "'" + (msg == null ? "" : " (" + Shown.text(msg) + ")"));
            }
            throw new MalformedResponseException(requestedId, "response has no 'status'");
        }
        String id = firstText(node, "id", "task_id", "projectId");
        JsonNode created = node.path("created");
        List<String> urls = new ArrayList<>(1);
        addUrl(urls, node.path("video_url"));
        addUrl(urls, node.path("image_url"));
        for (JsonNode o : node.path("outputs")) {
            addUrl(urls, o.isObject() ? o.path("url") : o);
        }
        JsonNode duration = node.path("actualDuration");
        JsonNode tokens = node.path("totalTokens");
        return new TaskStatus(
                id == null || id.equals(requestedId) ? requestedId : id,
                TaskState.fromRaw(raw),
                Objects.requireNonNull(shared(raw)),
                shared(text(node, "model")),
                created(created),
                urls,
                error(node.path("error")),
                duration.isNumber() && duration.asDouble() >= 0
                        ? Duration.ofMillis(Math.round(duration.asDouble() * 1000)) : null,
                tokens.isIntegralNumber() ? tokens.asLong() : null,
                observedAt,
                instant(node.has("completed_at") ? node.get("completed_at") : node.path("finished_at")));
    }

    /**
     * {@code created} in epoch seconds; null when absent, not a number, or out of {@link Instant}'s range (a value in
     * nanoseconds threw a {@code DateTimeException} that ended a poll for good, or lost a created task's id).
     */
    private static @org.jspecify.annotations.Nullable Instant created(JsonNode created) {
        if (!created.isNumber() || !created.canConvertToLong()) {
            return null;
        }
        long s = created.asLong();
        return s < Instant.MIN.getEpochSecond() || s > Instant.MAX.getEpochSecond() ? null : Instant.ofEpochSecond(s);
    }

    /**
     * One instance of each status and model string (a handful of values, kept by every tracked task's last status):
     * at 100,000 tasks, decoding each afresh cost about 100 bytes per task. At most 256 are kept.
     */
    @Nullable String shared(@Nullable String s) {
        if (s == null) {
            return null;
        }
        String known = strings.get(s);
        if (known != null) {
            return known;
        }
        if (strings.size() < 256) {
            known = strings.putIfAbsent(s, s);
        }
        return known != null ? known : s;
    }

    /**
     * A provider's completion time: Unix seconds, Unix milliseconds (a number past the year 33658 in seconds) or an
     * ISO-8601 instant; null when absent or unreadable.
     */
    static @Nullable Instant instant(JsonNode n) {
        if (n.isIntegralNumber()) {
            long v = n.asLong();
            return v > 1_000_000_000_000L ? Instant.ofEpochMilli(v) : Instant.ofEpochSecond(v);
        }
        if (n.isTextual()) {
            try {
                return Instant.parse(n.asText());
            } catch (java.time.format.DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    private static void addUrl(List<String> urls, JsonNode n) {
        if (n.isTextual() && !n.asText().isBlank()) {
            urls.add(n.asText());
        }
    }

    private static @Nullable String error(JsonNode n) {
        if (n.isTextual()) {
            return n.asText().isEmpty() ? null : n.asText();
        }
        if (n.isObject()) {
            String m = firstText(n, "message", "msg", "error");
            return m != null ? m : n.toString();
        }
        return null;
    }

    private static @Nullable String firstText(JsonNode n, String... names) {
        for (String name : names) {
            String t = text(n, name);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    private static @Nullable String text(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
