package dev.taskpoll.internal.http;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.spi.StatusSource;
import java.time.Clock;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * {@code GET {base}/v1/result/{id}} or {@code GET {base}/v1/task/{id}} over a shared, pre-configured Reactor Netty
 * {@link HttpClient} (base URL, auth header and timeouts are set on it once). The task id is percent-encoded as one
 * path segment; the answer is read by {@link HttpExchange} (byte cap, body timeout, status, transport errors), then decoded by
 * {@link StatusDecoder}.
 */
public final class HttpStatusSource implements StatusSource {

    private final HttpClient http;
    private final Dialect dialect;
    private final StatusDecoder decoder;
    private final Clock clock;
    private final int maxBodyBytes;
    private final java.time.Duration bodyTimeout;

    /** {@code bodyTimeout}: how long an answer's body may take once its headers came ({@link HttpExchange#read}). */
    public HttpStatusSource(HttpClient http, Dialect dialect, StatusDecoder decoder, Clock clock, int maxBodyBytes,
                            java.time.Duration bodyTimeout) {
        this.bodyTimeout = bodyTimeout;
        this.http = http;
        this.dialect = dialect;
        this.decoder = decoder;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public Mono<TaskStatus> fetch(String taskId) {
        String uri = dialect.statusPathPrefix() + PathSegment.encode(taskId);
        return HttpExchange.read(http.get().uri(uri), taskId, maxBodyBytes, bodyTimeout)
                .map(bytes -> decoder.decode(taskId, bytes, clock.instant()));
    }
}
