package dev.taskpoll.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/** A test client for the simulator: one request, the whole answer or the failure's class. */
final class SimHttp {

    static final ObjectMapper JSON = new ObjectMapper();

    record Reply(int status, HttpHeaders headers, byte[] bytes, @Nullable String failure) {
        JsonNode json() {
            try {
                return JSON.readTree(bytes);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + new String(bytes, StandardCharsets.UTF_8), e);
            }
        }

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private SimHttp() {
    }

    static Reply get(String url, @Nullable String key, Map<String, String> headers, Duration responseTimeout) {
        return exchange("GET", url, key, null, headers, responseTimeout);
    }

    static Reply get(String url, @Nullable String key) {
        return exchange("GET", url, key, null, Map.of(), Duration.ofSeconds(10));
    }

    static Reply post(String url, @Nullable String key, String body) {
        return exchange("POST", url, key, body, Map.of(), Duration.ofSeconds(10));
    }

    static Reply exchange(String method, String url, @Nullable String key, @Nullable String body,
                          Map<String, String> headers, Duration responseTimeout) {
        HttpClient http = HttpClient.newConnection().responseTimeout(responseTimeout).headers(h -> {
            if (key != null) {
                h.set("Authorization", "Bearer " + key);
            }
            h.set("Content-Type", "application/json");
            headers.forEach(h::set);
        });
        var request = method.equals("GET") ? http.get().uri(url)
                : http.post().uri(url).send(ByteBufFlux.fromString(Mono.just(body)));
        return request.responseSingle((res, content) -> content.asByteArray().defaultIfEmpty(new byte[0])
                        .map(b -> new Reply(res.status().code(), res.responseHeaders(), b, null)))
                .onErrorResume(e -> Mono.just(new Reply(0, io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE,
                        new byte[0], e.getClass().getSimpleName())))
                .block(Duration.ofSeconds(20));
    }
}
