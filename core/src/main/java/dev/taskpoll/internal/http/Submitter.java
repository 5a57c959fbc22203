package dev.taskpoll.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.Submission;
import dev.taskpoll.SubmitOutcomeUnknownException;
import dev.taskpoll.SubmitRejectedException;
import dev.taskpoll.SubmitRetry;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.TransportException;
import dev.taskpoll.catalog.AssetLibrary;
import dev.taskpoll.catalog.AssetRequest;
import dev.taskpoll.catalog.AssetUpload;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.internal.engine.RetryAfter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;

/**
 * {@code POST}s a {@link GenerationRequest} to its family's create path and reads the task id. A submit is retried
 * only when it provably did not reach the API: the connection could not be made (or no pooled connection was free),
 * or the API answered 429. Anything else after the request may have been written fails with
 * {@link SubmitOutcomeUnknownException}: never a second, paid, generation.
 */
public final class Submitter {

    private final HttpClient http;
    private final ObjectMapper mapper;
    private final StatusDecoder decoder;
    private final TrackerOptions options;
    private final SubmitRetry retry;
    private final int maxBodyBytes;
    private final Duration bodyTimeout;

    /** An answer's body over {@code maxBodyBytes}: not read (a marker, compared by identity). */
    private static final byte[] TOO_LARGE = new byte[0];
    /** An empty body, the reading's seed. */
    private static final byte[] EMPTY = new byte[0];

    /**
     * @param maxBodyBytes the cap on an answer's body, counted while it streams ({@code ClientOptions.maxResponseBytes})
     * @param bodyTimeout  how long an answer's body may take once its headers came (the response timeout bounds the
     *                     wait between reads only: a server dripping a byte at a time held a submit for ever)
     */
    public Submitter(HttpClient http, ObjectMapper mapper, StatusDecoder decoder, TrackerOptions options,
                     SubmitRetry retry, int maxBodyBytes, Duration bodyTimeout) {
        this.http = http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON));
        this.mapper = mapper;
        this.decoder = decoder;
        this.options = options;
        this.retry = retry;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyTimeout = bodyTimeout;
    }

    /** The request body as it is sent, as JSON (it never holds the API key, which travels in a header). */
    public String json(GenerationRequest request) {
        try {
            return mapper.writeValueAsString(request.body());
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not serialisable as JSON: "
                    + e.getClass().getSimpleName());
        }
    }

    public Mono<Submission> submit(GenerationRequest request) {
        return post(request.family(), request.family().createPath(), request.model(), request.body(),
                (code, bytes) -> decode(request, code, bytes));
    }

    /** Uploads to an asset library, with the same rule: sent again only when it provably was not sent. */
    public Mono<AssetUpload> upload(AssetRequest request) {
        return post(request.library(), request.library().uploadPath(), "asset", request.body(),
                (code, bytes) -> decodeAssets(request, code, bytes));
    }

    private <T> Mono<T> post(TaskKind family, String path, String model, Map<String, Object> payload,
                             BiFunction<Integer, byte[], T> decode) {
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(payload);
        } catch (IOException e) {
            return Mono.error(new IllegalArgumentException("request body is not serialisable as JSON: "
                    + e.getClass().getSimpleName()));
        }
        return Mono.defer(() -> attempt(family, path, model, body, decode))
                .retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
                    if (!(signal.failure() instanceof NotSent notSent)) {
                        return Mono.error(signal.failure());
                    }
                    int attempt = (int) signal.totalRetries() + 1;
                    if (attempt >= retry.maxAttempts()) {
                        return Mono.error(new TransportException(null, family + " submit not sent after "
                                + attempt + " attempts (" + notSent.what + "); no task was created", notSent.getCause()));
                    }
                    double random = options.random().getAsDouble();
                    Duration delay = !notSent.throttled ? retry.notSentBackoff().delay(attempt, random)
                            : RetryAfter.parse(notSent.retryAfter, options.clock().instant()).map(retry::bound)
                            .orElseGet(() -> retry.throttleBackoff().delay(attempt, random));
                    return Mono.delay(delay, options.scheduler());
                })));
    }

    private <T> Mono<T> attempt(TaskKind family, String path, String model, byte[] body,
                                BiFunction<Integer, byte[], T> decode) {
        return http.post()
                .uri(path)
                .send(ByteBufFlux.fromInbound(Mono.just(body)))
                .response((res, content) -> answer(res, content).map(bytes -> {
                    int code = res.status().code();
                    if (code == 429) {
                        throw new NotSent("HTTP 429", res.responseHeaders().get(HttpHeaderNames.RETRY_AFTER), true, null);
                    }
                    boolean tooLarge = bytes == TOO_LARGE;
                    if (code >= 400 && code < 500 && code != 408) {
                        throw new SubmitRejectedException(family, code, Integer.toString(code),
                                tooLarge ? null : reason(bytes));
                    }
                    if (code < 200 || code > 299) {
                        throw new SubmitOutcomeUnknownException(family, model, code, "HTTP " + code, null);
                    }
                    if (tooLarge) {
                        throw new SubmitOutcomeUnknownException(family, model, code, "HTTP " + code + " with an answer"
                                + " over " + maxBodyBytes + " bytes (ClientOptions.maxResponseBytes), not read", null);
                    }
                    return decode.apply(code, bytes);
                }))
                .singleOrEmpty()
                .onErrorMap(e -> !(e instanceof TaskpollException) && !(e instanceof NotSent), e -> {
                    String what = HttpExchange.describe(e);
                    if (TransportException.certificateRefused(e)) { // the handshake failed: nothing was sent, nor will be
                        return new TransportException(null, family + " submit not sent: " + what + "; no task was"
                                + " created. Trust the server's certificate authority with"
                                + " ClientOptions.Builder.trustedCertificates, or fix its certificate", e);
                    }
                    return notSent(e) ? new NotSent(what, null, false, e)
                            : new SubmitOutcomeUnknownException(family, model, 0, "no response (" + what + ")", e);
                });
    }

    /**
     * An answer's body: capped at {@code maxBodyBytes} while it streams (a declared length over it is not read), and
     * read within {@code bodyTimeout} once the headers came; {@link #TOO_LARGE} past the cap.
     */
    private Mono<byte[]> answer(reactor.netty.http.client.HttpClientResponse res, ByteBufFlux content) {
        long declared = res.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
        if (declared > maxBodyBytes) {
            return Mono.just(TOO_LARGE);
        }
        return content.asByteArray().reduce(EMPTY, (acc, chunk) -> {
                    byte[] joined = HttpExchange.joinCapped(acc, chunk, maxBodyBytes);
                    if (joined == null) {
                        throw new Overflow();
                    }
                    return joined;
                })
                .timeout(bodyTimeout) // real time, as the response timeout (a network bound, not the tracker's clock)
                .onErrorResume(Overflow.class, o -> Mono.just(TOO_LARGE));
    }

    /** The body ran over the cap: reading stops (the connection is closed). */
    private static final class Overflow extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Overflow() {
            super(null, null, false, false);
        }
    }

    /**
     * Whether the request provably never left: no connection (refused, timed out, no route, a host that does not
     * resolve), no pooled connection free, or a TLS handshake that failed (nothing is written before it ends).
     */
    private static boolean notSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String name = t.getClass().getName();
            if (t instanceof ConnectException || t instanceof io.netty.channel.ConnectTimeoutException
                    || t instanceof java.net.UnknownHostException || t instanceof java.net.NoRouteToHostException
                    || t instanceof javax.net.ssl.SSLHandshakeException
                    || name.endsWith("PoolAcquirePendingLimitException") || name.endsWith("PoolAcquireTimeoutException")) {
                return true;
            }
        }
        return false;
    }

    private Submission decode(GenerationRequest request, int httpStatus, byte[] bytes) {
        Family family = request.family();
        JsonNode root = readable(family, request.model(), httpStatus, bytes);
        String id = firstId(root, List.of("id", "task_id"));
        if (id == null) {
            id = firstId(root.path("data"), List.of("projectId", "id", "task_id"));
        }
        if (id == null || id.isBlank() || family.dialect() != Dialect.TASK) {
            // GlobalAI OPC's envelope: a code other than "0" is documented as a refusal
            refused(root, family, httpStatus, bytes);
        }
        if (id == null || id.isBlank()) {
            throw new SubmitOutcomeUnknownException(family, request.model(), httpStatus,
                    "HTTP " + httpStatus + " without a task id", null);
        }
        // the generic dialect's answer is not documented: one with a task id created a task, whatever its code (an
        // API whose success code is 200 rather than "0" would otherwise have a paid task dropped)
        try {
            TaskRef.of(id, family); // the rules every tracked id meets (queried by path, stored under its name)
        } catch (IllegalArgumentException bad) {
            // created (and billed): the id as it came, made printable and bounded, so that it is not lost
            String shown = id.replaceAll("\\p{Cntrl}", "?");
            throw new SubmitOutcomeUnknownException(family, request.model(), httpStatus, "HTTP " + httpStatus
                    + " with a task id taskpoll cannot track (" + bad.getMessage() + "): '"
                    + (shown.length() > 4096 ? shown.substring(0, 4096) + "..." : shown) + "'", null);
        }
        TaskStatus status = null;
        if (root.hasNonNull("status")) {
            try {
                status = decoder.decode(id, bytes, options.clock().instant());
            } catch (dev.taskpoll.MalformedResponseException unreadable) {
                // the id is there and the task created: tracked from 'submitted', its first poll tells the rest
                status = null;
            }
        }
        if (status == null) {
            status = new TaskStatus(id, TaskState.QUEUED, "submitted", request.model(), null, List.of(), null, null,
                    null, options.clock().instant());
        }
        return new Submission(id, family, request.model(), status, options.policy(family, request.model()),
                request.shape());
    }

    private AssetUpload decodeAssets(AssetRequest request, int httpStatus, byte[] bytes) {
        AssetLibrary library = request.library();
        JsonNode root = accepted(library, "asset", httpStatus, bytes);
        JsonNode data = root.path("data");
        List<AssetUpload.Accepted> accepted = new java.util.ArrayList<>();
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        if (library == AssetLibrary.SEEDANCE_2_0) {
            String id = data.path("assetId").asText(null);
            if (id == null || id.isBlank()) {
                throw new SubmitOutcomeUnknownException(library, "asset", httpStatus,
                        "HTTP " + httpStatus + " without an assetId", null);
            }
            accepted.add(new AssetUpload.Accepted(id, library, String.valueOf(request.body().get("assetType")),
                    String.valueOf(request.body().get("url"))));
        } else {
            for (JsonNode item : data.path("items")) {
                accepted.add(new AssetUpload.Accepted(item.path("assetId").asText(), library,
                        item.path("assetType").asText(), item.path("originalUrl").asText()));
            }
            for (JsonNode item : data.path("failedItems")) {
                refused.put(item.path("originalUrl").asText(), item.path("reason").asText("refused"));
            }
        }
        return new AssetUpload(accepted, refused);
    }

    /**
     * The 2xx body as a JSON object whose envelope {@code code}, if any, is {@code 0}: unreadable means the outcome
     * is unknown; another code means the API refused.
     */
    private JsonNode accepted(TaskKind family, String model, int httpStatus, byte[] bytes) {
        JsonNode root = readable(family, model, httpStatus, bytes);
        refused(root, family, httpStatus, bytes);
        return root;
    }

    /** An envelope {@code code} other than {@code 0}: the API refused. */
    private void refused(JsonNode root, TaskKind family, int httpStatus, byte[] bytes) {
        JsonNode code = root.get("code");
        if (code != null && !code.isNull() && !code.asText().equals("0")) {
            throw new SubmitRejectedException(family, httpStatus, code.asText(), reason(bytes));
        }
    }

    /** The 2xx body as a JSON object; unreadable means the outcome is unknown. */
    private JsonNode readable(TaskKind family, String model, int httpStatus, byte[] bytes) {
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            throw new SubmitOutcomeUnknownException(family, model, httpStatus,
                    "HTTP " + httpStatus + " with an unreadable body", null);
        }
        return root;
    }

    private @Nullable String reason(byte[] bytes) {
        try {
            JsonNode n = mapper.readTree(bytes);
            String m = n == null ? null : firstText(n, List.of("msg", "message", "error"));
            if (m == null && n != null && n.path("error").isObject()) { // {"error": {"code": ..., "message": ...}}
                m = firstText(n.get("error"), List.of("message", "msg"));
            }
            if (m == null) {
                return null;
            }
            m = m.replaceAll("\\p{Cntrl}", " ").strip(); // printed to terminals and logs: no control characters
            return m.length() > 500 ? m.substring(0, 500) : m;
        } catch (IOException e) {
            return null;
        }
    }

    /** The first of {@code names} holding text, else the first holding a whole number (an id sent as a number). */
    private static @Nullable String firstId(JsonNode n, List<String> names) {
        String text = firstText(n, names);
        if (text != null) {
            return text;
        }
        for (String name : names) {
            JsonNode v = n.get(name);
            if (v != null && v.isIntegralNumber()) {
                return v.asText();
            }
        }
        return null;
    }

    private static @Nullable String firstText(JsonNode n, List<String> names) {
        for (String name : names) {
            JsonNode v = n.get(name);
            if (v != null && v.isTextual()) {
                return v.asText();
            }
        }
        return null;
    }

    /** The request provably did not reach the API: safe to send again. */
    private static final class NotSent extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String what;
        final transient @Nullable String retryAfter;
        final boolean throttled;

        NotSent(String what, @Nullable String retryAfter, boolean throttled, @Nullable Throwable cause) {
            super(what, cause, false, false);
            this.what = what;
            this.retryAfter = retryAfter;
            this.throttled = throttled;
        }
    }
}
