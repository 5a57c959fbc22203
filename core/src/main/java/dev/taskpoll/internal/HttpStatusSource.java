package dev.taskpoll.internal;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.Dialect;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.TransportException;
import dev.taskpoll.spi.StatusSource;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * {@code GET {base}/v1/result/{id}} or {@code GET {base}/v1/task/{id}} over a shared, pre-configured Reactor Netty
 * {@link HttpClient} (base URL, auth header and timeouts are set on it once). The task id is percent-encoded as one
 * path segment; the body is read with a byte cap while it streams, then decoded by {@link StatusDecoder}.
 */
public final class HttpStatusSource implements StatusSource {

    private final HttpClient http;
    private final Dialect dialect;
    private final StatusDecoder decoder;
    private final Clock clock;
    private final int maxBodyBytes;

    public HttpStatusSource(HttpClient http, Dialect dialect, StatusDecoder decoder, Clock clock, int maxBodyBytes) {
        this.http = http;
        this.dialect = dialect;
        this.decoder = decoder;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public Mono<TaskStatus> fetch(String taskId) {
        String uri = dialect.statusPathPrefix() + PathSegment.encode(taskId);
        return Mono.defer(() -> {
            // Cancelling an over-long body closes the connection, and Reactor Netty may report that close before
            // the cap error reaches this chain: remember the cap error and prefer it.
            AtomicReference<TaskpollException> overflow = new AtomicReference<>();
            return http.get()
                    .uri(uri)
                    .response((res, body) -> {
                        long declared = res.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
                        if (declared > maxBodyBytes) {
                            return Mono.error(tooLarge(taskId));
                        }
                        return capped(body, taskId, overflow).map(bytes -> {
                            int code = res.status().code();
                            if (code < 200 || code > 299) {
                                throw new ApiStatusException(taskId, code,
                                        res.responseHeaders().get(HttpHeaderNames.RETRY_AFTER), null);
                            }
                            return decoder.decode(taskId, bytes, clock.instant());
                        });
                    })
                    .singleOrEmpty()
                    .onErrorMap(e -> !(e instanceof TaskpollException) || overflow.get() != null, e -> {
                        TaskpollException cap = overflow.get();
                        return cap != null ? cap
                                : new TransportException(taskId, "request failed (" + e.getClass().getSimpleName() + ")", e);
                    });
        });
    }

    private MalformedResponseException tooLarge(String taskId) {
        return new MalformedResponseException(taskId, "response body larger than " + maxBodyBytes + " bytes");
    }

    private Mono<byte[]> capped(ByteBufFlux body, String taskId, AtomicReference<TaskpollException> overflow) {
        return body.asByteArray()
                .reduce(new byte[0], (acc, chunk) -> {
                    if (acc.length + (long) chunk.length > maxBodyBytes) {
                        MalformedResponseException e = tooLarge(taskId);
                        overflow.set(e);
                        throw e;
                    }
                    if (acc.length == 0) {
                        return chunk;
                    }
                    byte[] joined = Arrays.copyOf(acc, acc.length + chunk.length);
                    System.arraycopy(chunk, 0, joined, acc.length, chunk.length);
                    return joined;
                })
                .defaultIfEmpty(new byte[0]);
    }
}
