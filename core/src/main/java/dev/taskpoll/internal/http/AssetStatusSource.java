package dev.taskpoll.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.ApiStatusException;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.internal.Shown;
import dev.taskpoll.spi.StatusSource;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * The status of one asset: {@code GET /kyyVideo2/asset/{id}} (Seedance 2.0) or {@code POST
 * /asset/sd2Manxue/assetStatus} with {@code {"assetIds":[id]}} (SD2 Manxue). {@code Processing} maps to
 * {@link TaskState#PROCESSING}, {@code Active} to {@link TaskState#COMPLETED} with the result {@code asset://id},
 * {@code Failed} to {@link TaskState#FAILED}, {@code submitted} to {@link TaskState#QUEUED}; an id the SD2 audit lists
 * in {@code failedItems} is a 404. The answer is read by {@link HttpExchange}, with the same byte cap as every status.
 */
public final class AssetStatusSource implements StatusSource {

    private final HttpClient http;
    private final Dialect dialect;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final int maxBodyBytes;
    private final java.time.Duration bodyTimeout;

    public AssetStatusSource(HttpClient http, Dialect dialect, ObjectMapper mapper, Clock clock, int maxBodyBytes,
                             java.time.Duration bodyTimeout) {
        this.maxBodyBytes = maxBodyBytes;
        this.bodyTimeout = bodyTimeout;
        this.http = dialect == Dialect.ASSET_SD2_MANXUE
                ? http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)) : http;
        this.dialect = dialect;
        this.mapper = mapper;
        this.clock = clock;
    }

    @Override
    public Mono<TaskStatus> fetch(String assetId) {
        HttpClient.ResponseReceiver<?> request;
        if (dialect == Dialect.ASSET_SD2_MANXUE) {
            byte[] body;
            try {
                body = mapper.writeValueAsBytes(Map.of("assetIds", List.of(assetId)));
            } catch (IOException e) {
                return Mono.error(e);
            }
            request = http.post().uri(dialect.statusPathPrefix()).send(ByteBufFlux.fromInbound(Mono.just(body)));
        } else {
            request = http.get().uri(dialect.statusPathPrefix() + PathSegment.encode(assetId));
        }
        return HttpExchange.read(request, assetId, maxBodyBytes, bodyTimeout).map(bytes -> decode(assetId, bytes));
    }

    private TaskStatus decode(String assetId, byte[] bytes) {
        JsonNode root;
        try {
            root = bytes.length == 0 ? null : mapper.readTree(bytes);
        } catch (IOException e) {
            throw new MalformedResponseException(assetId, "asset status body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedResponseException(assetId, "asset status body is not a JSON object");
        }
        if (!root.path("code").asText("0").equals("0")) {
            throw new MalformedResponseException(assetId, "asset status answered code " + root.path("code").asText());
        }
        JsonNode data = root.path("data");
        JsonNode item = data;
        if (dialect == Dialect.ASSET_SD2_MANXUE) {
            item = null;
            for (JsonNode i : data.path("items")) {
                if (assetId.equals(i.path("assetId").asText())) {
                    item = i;
                }
            }
            if (item == null) {
                // failed review: listed in failedItems (its fields are not documented: the reason is taken from the
                // first text field that says one); before, this read as an HTTP 404 that no server sent
                for (JsonNode f : data.path("failedItems")) {
                    boolean bare = f.isTextual() && assetId.equals(f.asText()); // a bare id (format not documented)
                    if (bare || assetId.equals(f.path("assetId").asText(f.path("id").asText(null)))) {
                        String reason = reviewReason(f);
                        return new TaskStatus(assetId, TaskState.FAILED, "failed", null, null, List.of(),
                                "asset failed review" + (reason == null ? "" : ": " + reason), null, null,
                                clock.instant());
                    }
                }
                // not listed at all: an answer that says nothing of it (asked again), not a 404 nobody sent
                throw new MalformedResponseException(assetId, "asset status lists asset '" + assetId
                        + "' neither in items nor in failedItems");
            }
        }
        String raw = item.path("status").asText(null);
        if (raw == null) {
            throw new MalformedResponseException(assetId, "asset status has no 'status'");
        }
        TaskState state = switch (raw.toLowerCase(Locale.ROOT)) {
            case "processing" -> TaskState.PROCESSING;
            case "active" -> TaskState.COMPLETED;
            case "failed" -> TaskState.FAILED;
            case "submitted" -> TaskState.QUEUED;
            default -> TaskState.UNKNOWN;
        };
        return new TaskStatus(assetId, state, raw, null, null,
                state == TaskState.COMPLETED ? List.of("asset://" + assetId) : List.of(),
                state == TaskState.FAILED ? "asset failed review" : null, null, null, clock.instant());
    }

    /** A failed item's reason: its first text field that says one (the fields are not documented), shown safely. */
    private static @Nullable String reviewReason(JsonNode item) {
        for (String field : List.of("reason", "failReason", "message", "msg", "error")) {
            if (item.path(field).isTextual() && !item.path(field).asText().isBlank()) {
                return Shown.text(item.path(field).asText());
            }
        }
        return null; // a bare id, or an item that gives none
    }
}
