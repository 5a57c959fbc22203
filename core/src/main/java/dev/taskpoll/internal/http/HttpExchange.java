package dev.taskpoll.internal.http;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.ResponseTooLargeException;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.TransportException;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.Arrays;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * One status request's answer as bytes, for every status source: a non-2xx answer is an {@link ApiStatusException}
 * with its {@code Retry-After} (its body drained, not read, whatever its size); a 2xx body is read with a byte cap
 * counted while it streams (a declared {@code Content-Length} over the cap is refused before reading), a body over the
 * cap a {@link ResponseTooLargeException} (permanent); and a request with no complete answer a
 * {@link TransportException}.
 */
public final class HttpExchange {

    /** An empty body, the reading's seed (never written: the first chunk replaces it, later ones are copied). */
    private static final byte[] EMPTY = new byte[0];

    private HttpExchange() {
    }

    /**
     * Sends {@code request} and reads its answer.
     *
     * @param bodyTimeout how long the body may take once the headers came (the client's response timeout bounds the
     *                    wait between reads only: a server dripping a byte at a time would hold the request for ever).
     *                    Checked as each part of the body arrives, by the system's nanosecond clock (a network bound,
     *                    as the response timeout, not the tracker's clock): no timer per request
     */
    public static Mono<byte[]> read(HttpClient.ResponseReceiver<?> request, String taskId, int maxBodyBytes,
                                    java.time.Duration bodyTimeout) {
        long bodyNanos = bodyTimeout.toNanos();
        // one Exchange per subscription holds what the answer's operators share (one object, not a lambda each)
        return Mono.defer(() -> {
            Exchange exchange = new Exchange(taskId, maxBodyBytes, bodyNanos);
            return request.response(exchange).singleOrEmpty().onErrorMap(exchange::failure);
        });
    }

    /**
     * One request's reading: the response handler (the declared length, then the body, capped while it streams, then
     * the status code) and the mapping of its failures.
     */
    private static final class Exchange implements BiFunction<HttpClientResponse, ByteBufFlux, Publisher<byte[]>> {
        private final String taskId;
        private final int maxBodyBytes;
        private final long bodyNanos;
        /** When the headers came ({@link System#nanoTime()}). */
        private long headersAt;
        /**
         * The cap's or the body timeout's error, once the body ran over it. Cancelling the body closes the connection,
         * and Reactor Netty may report that close before this error reaches this chain: this error is preferred.
         */
        private volatile @Nullable TaskpollException overflow;

        Exchange(String taskId, int maxBodyBytes, long bodyNanos) {
            this.taskId = taskId;
            this.maxBodyBytes = maxBodyBytes;
            this.bodyNanos = bodyNanos;
        }

        @Override
        public Publisher<byte[]> apply(HttpClientResponse res, ByteBufFlux body) {
            int status = res.status().code();
            headersAt = System.nanoTime();
            if (status < 200 || status > 299) {
                // its body is not read, only drained (a chunk at a time, within the body timeout): a 429 or a 5xx is
                // what it is whatever its size; capped, a CDN's error page over the cap ended the task for good
                return body.asByteArray().reduce(EMPTY, (acc, chunk) -> {
                    if (System.nanoTime() - headersAt > bodyNanos) {
                        return join(acc, chunk); // the body timeout's failure
                    }
                    return EMPTY;
                }).map(drained -> {
                    throw new ApiStatusException(taskId, status, res.responseHeaders().get(HttpHeaderNames.RETRY_AFTER),
                            null, status == 404 ? res.resourceUrl() : null); // named in a 404's message only
                });
            }
            long declared = res.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
            if (declared > maxBodyBytes) {
                return Mono.error(tooLarge(taskId, maxBodyBytes));
            }
            // (a seeded reduce emits its seed for an empty body: never empty)
            return body.asByteArray().reduce(EMPTY, this::join);
        }

        private byte[] join(byte[] acc, byte[] chunk) {
            if (System.nanoTime() - headersAt > bodyNanos) {
                TransportException e = new TransportException(taskId, "request failed: the answer's body did not end"
                        + " within the response timeout (" + dev.taskpoll.internal.Shown.seconds(
                        java.time.Duration.ofNanos(bodyNanos)) + ") of its headers", null);
                overflow = e;
                throw e;
            }
            byte[] joined = joinCapped(acc, chunk, maxBodyBytes);
            if (joined == null) {
                ResponseTooLargeException e = tooLarge(taskId, maxBodyBytes);
                overflow = e;
                throw e;
            }
            return joined;
        }

        /** A failure of the exchange as the caller sees it: taskpoll's own as they are, else a transport failure. */
        Throwable failure(Throwable e) {
            TaskpollException cap = overflow;
            if (cap != null) {
                return cap;
            }
            return e instanceof TaskpollException ? e
                    : new TransportException(taskId, "request failed: " + describe(e), e);
        }
    }

    /**
     * A body's bytes so far with the next chunk, or null when they would pass {@code max}: the one capped reading of
     * every answer (status requests here, submits in {@link Submitter}).
     */
    static byte @org.jspecify.annotations.Nullable [] joinCapped(byte[] acc, byte[] chunk, int max) {
        if (acc.length + (long) chunk.length > max) {
            return null;
        }
        if (acc.length == 0) {
            return chunk;
        }
        byte[] joined = Arrays.copyOf(acc, acc.length + chunk.length);
        System.arraycopy(chunk, 0, joined, acc.length, chunk.length);
        return joined;
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
            // the JDK's "host: Name or service not known", or Netty's resolver's "Failed to resolve 'host' [A(1)]..."
            java.util.regex.Matcher netty = java.util.regex.Pattern.compile("^Failed to resolve '([^']*)'").matcher(m);
            return "unknown host " + (netty.find() ? netty.group(1) : m.replaceFirst(": .*$", ""));
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
}
