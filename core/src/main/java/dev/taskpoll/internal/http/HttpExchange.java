package dev.taskpoll.internal.http;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.ResponseTooLargeException;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.TransportException;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * One status request's answer as bytes, for every status source: the body is read with a byte cap counted while it
 * streams (a declared {@code Content-Length} over the cap is refused before reading), a non-2xx answer is an
 * {@link ApiStatusException} with its {@code Retry-After}, a body over the cap a {@link ResponseTooLargeException}
 * (permanent), and a request with no complete answer a {@link TransportException}.
 */
public final class HttpExchange {

    private HttpExchange() {
    }

    public static Mono<byte[]> read(HttpClient.ResponseReceiver<?> request, String taskId, int maxBodyBytes) {
        return Mono.defer(() -> {
            // Cancelling an over-long body closes the connection, and Reactor Netty may report that close before
            // the cap error reaches this chain: remember the cap error and prefer it.
            AtomicReference<TaskpollException> overflow = new AtomicReference<>();
            return request
                    .response((res, body) -> {
                        long declared = res.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
                        if (declared > maxBodyBytes) {
                            return Mono.error(tooLarge(taskId, maxBodyBytes));
                        }
                        return capped(body, taskId, maxBodyBytes, overflow).map(bytes -> {
                            int code = res.status().code();
                            if (code < 200 || code > 299) {
                                throw new ApiStatusException(taskId, code,
                                        res.responseHeaders().get(HttpHeaderNames.RETRY_AFTER), null,
                                        code == 404 ? res.resourceUrl() : null); // named in a 404's message only
                            }
                            return bytes;
                        });
                    })
                    .singleOrEmpty()
                    .onErrorMap(e -> !(e instanceof TaskpollException) || overflow.get() != null, e -> {
                        TaskpollException cap = overflow.get();
                        return cap != null ? cap
                                : new TransportException(taskId, "request failed: " + describe(e), e);
                    });
        });
    }

    /**
     * A transport failure as a person reads it: "connection refused by 127.0.0.1:9999", "unknown host api.example",
     * "connection to H timed out", "connection closed before the response", "no response within the response timeout",
     * "TLS handshake failed (...)"; else the exception's class and message. Never a URL's query (no signature).
     */
    public static String describe(Throwable e) {
        if (TransportException.certificateRefused(e)) {
            return "the server's certificate is not trusted (" + TransportException.certificateProblem(e) + ")";
        }
        String m = e.getMessage() == null ? "" : e.getMessage();
        String where = m.contains(": /") ? m.substring(m.lastIndexOf(": /") + 3)
                : m.startsWith("/") ? m.substring(1) : m;
        if (e instanceof java.net.ConnectException && m.toLowerCase(java.util.Locale.ROOT).contains("refused")) {
            return "connection refused by " + where;
        }
        if (e instanceof io.netty.channel.ConnectTimeoutException) {
            return "connection to " + where.replaceFirst("^connection timed out( after \\d+ ms)?: ", "")
                    + " timed out";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + m.replaceFirst(": .*$", "");
        }
        if (e instanceof java.net.ConnectException || e instanceof java.net.NoRouteToHostException) {
            return "cannot connect" + (where.isEmpty() ? "" : " to " + where) + " (" + e.getClass().getSimpleName()
                    + ")";
        }
        if (e instanceof reactor.netty.http.client.PrematureCloseException) {
            return "connection closed before the response";
        }
        if (e instanceof io.netty.handler.timeout.ReadTimeoutException
                || e instanceof java.util.concurrent.TimeoutException) {
            return "no response within the response timeout";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "TLS handshake failed (" + m + ")";
        }
        if (e instanceof java.io.IOException && m.toLowerCase(java.util.Locale.ROOT).contains("reset")) {
            return "connection reset";
        }
        return e.getClass().getSimpleName() + (m.isEmpty() ? "" : " (" + m + ")");
    }

    private static ResponseTooLargeException tooLarge(String taskId, int maxBodyBytes) {
        return new ResponseTooLargeException(taskId, maxBodyBytes);
    }

    private static Mono<byte[]> capped(ByteBufFlux body, String taskId, int maxBodyBytes,
                                       AtomicReference<TaskpollException> overflow) {
        return body.asByteArray()
                .reduce(new byte[0], (acc, chunk) -> {
                    if (acc.length + (long) chunk.length > maxBodyBytes) {
                        ResponseTooLargeException e = tooLarge(taskId, maxBodyBytes);
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
