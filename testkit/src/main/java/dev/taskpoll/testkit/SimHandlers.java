package dev.taskpoll.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/** The simulator's HTTP routes: auth, quota and fault injection in front of the task, asset and media stores. */
final class SimHandlers {

    private static final int MAX_REQUEST_BYTES = 1 << 20;
    private static final byte[] EMPTY = new byte[0];

    private final Simulator.Parts p;
    private final byte[] expectedAuth;
    private final AtomicBoolean toggle = new AtomicBoolean();

    SimHandlers(Simulator.Parts parts, String apiKey) {
        this.p = parts;
        this.expectedAuth = ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
    }

    void install(HttpServerRoutes routes, String prefix) {
        routes.get(prefix + "/v1/result/{id}", (req, res) -> status(req, res, false));
        routes.get(prefix + "/v1/task/{id}", (req, res) -> status(req, res, true));
        for (SimFamily f : SimFamily.all()) {
            routes.post(prefix + f.createPath(), (req, res) -> create(req, res, f));
        }
        routes.post(prefix + "/kyyVideo2/asset/upload", api((req, res) -> withBody(req, res,
                body -> p.assets().kyyUpload(body, now()))));
        routes.get(prefix + "/kyyVideo2/asset/{assetId}", api((req, res) -> {
            SimAssets.Answer a = p.assets().kyyDetail(decode(req.param("assetId")), now());
            return send(res, a.status(), a.body());
        }));
        routes.post(prefix + "/asset/sd2Manxue/assetUpload", api((req, res) -> withBody(req, res,
                body -> p.assets().sd2Upload(body, now()))));
        routes.post(prefix + "/asset/sd2Manxue/assetStatus", api((req, res) -> withBody(req, res,
                body -> p.assets().sd2Status(body, now()))));
        routes.get(prefix + "/_media/{id}/{file}", this::media);
        routes.get("/_sim/tasks", (req, res) -> send(res, 200, p.bodies().ledger(p.tasks().truths(), p.overlapped())));
        // a redirect to any URL (for result downloaders' redirect handling); answers 302 with Location: to
        routes.get("/_sim/redirect", (req, res) -> {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            List<String> to = q.parameters().get("to");
            if (to == null || to.isEmpty()) {
                return send(res, 400, p.bodies().error("400", "to: missing"));
            }
            return res.status(302).header(HttpHeaderNames.LOCATION, to.get(0)).send();
        });
    }

    private long now() {
        return p.time().nowMillis();
    }

    // ---- status queries ----

    private Publisher<Void> status(HttpServerRequest req, HttpServerResponse res, boolean generic) {
        SimTask task = p.tasks().get(decode(req.param("id")));
        if (task == null) {
            return answerStatus(req, res, generic);
        }
        if (task.inFlight.incrementAndGet() > 1) {
            p.overlapped().add(task.id); // another query of this task is being answered: two pollers at once
        }
        return Mono.from(answerStatus(req, res, generic)).doFinally(s -> task.inFlight.decrementAndGet());
    }

    private Publisher<Void> answerStatus(HttpServerRequest req, HttpServerResponse res, boolean generic) {
        p.statusQueries().increment();
        if (req.version().majorVersion() == 2) {
            p.http2Queries().increment();
        }
        if (!authorised(req)) {
            return send(res, 401, p.bodies().error("401", "invalid or missing API key"));
        }
        long now = now();
        SimTask t = p.tasks().queried(decode(req.param("id")), now);
        if (t == null || t.family.generic() != generic) {
            return send(res, 404, p.bodies().error("404", "task not found"));
        }
        Publisher<Void> throttled = quota(req, res, now);
        if (throttled != null) {
            t.recordPoll(now, Faults.Kind.THROTTLED);
            return throttled;
        }
        if (now < p.outageUntil().get()) {
            t.recordPoll(now, Faults.Kind.OUTAGE);
            return send(res, 503, p.bodies().error("503", "service unavailable (simulated outage)"));
        }
        Faults.Kind fault = p.faults().pick(p.random().nextDouble());
        t.recordPoll(now, fault);
        if (fault == Faults.Kind.THROTTLED) {
            p.throttled().increment();
            if (p.random().nextBoolean()) {
                res.header(HttpHeaderNames.RETRY_AFTER, Integer.toString(1 + p.random().nextInt(3)));
            }
            return send(res, 429, p.bodies().error("429", "too many requests (simulated)"));
        }
        String override = fault == Faults.Kind.UNKNOWN_STATUS ? "rendering" : null;
        byte[] body = generic ? p.bodies().generic(t, now, override) : p.bodies().query(t, now, override);
        return faulty(res, fault, body);
    }

    // ---- create calls ----

    private Publisher<Void> create(HttpServerRequest req, HttpServerResponse res, SimFamily f) {
        p.createCalls().increment();
        if (!authorised(req)) {
            return send(res, 401, p.bodies().error("401", "invalid or missing API key"));
        }
        Publisher<Void> throttled = quota(req, res, now());
        if (throttled != null) {
            return throttled;
        }
        if (now() < p.outageUntil().get()) {
            return send(res, 503, p.bodies().error("503", "service unavailable (simulated outage)"));
        }
        Faults.Kind fault = p.faultsOnCreate() ? p.faults().pick(p.random().nextDouble()) : Faults.Kind.NONE;
        if (fault == Faults.Kind.THROTTLED) {
            return send(res, 429, p.bodies().error("429", "too many requests (simulated)"));
        }
        if (fault != Faults.Kind.NONE && fault != Faults.Kind.UNKNOWN_STATUS) {
            return faulty(res, fault, p.bodies().error("0", "fault"));
        }
        return withBodyAsync(req, res, body -> {
            String problem = RequestRules.check(f, body);
            if (problem != null) {
                return Mono.just(new SimAssets.Answer(400, p.bodies().error("400", problem)));
            }
            String callback = f.generic() && body.hasNonNull("callback_url") ? body.get("callback_url").asText() : null;
            boolean late = !p.createDelay().isZero() && p.random().nextDouble() < p.createDelayShare();
            SimTask t = p.tasks().create(f, body.get("model").asText(), callback, prompt(body), late);
            p.callbacks().schedule(t);
            Mono<SimAssets.Answer> answer = p.callbacks().early(t).thenReturn(new SimAssets.Answer(200,
                    p.bodies().create(t)));
            return late ? answer.delayElement(p.createDelay(), p.time().scheduler()) : answer;
        });
    }

    /** The request's prompt, wherever its family puts it ({@code prompt}, {@code input.prompt}, a text item). */
    private static @org.jspecify.annotations.Nullable String prompt(com.fasterxml.jackson.databind.JsonNode body) {
        if (body.path("prompt").isTextual()) {
            return body.get("prompt").asText();
        }
        if (body.path("input").path("prompt").isTextual()) {
            return body.get("input").get("prompt").asText();
        }
        for (com.fasterxml.jackson.databind.JsonNode item : body.path("content")) {
            if (item.path("text").isTextual()) {
                return item.get("text").asText();
            }
        }
        return null;
    }

    // ---- media ----

    private Publisher<Void> media(HttpServerRequest req, HttpServerResponse res) {
        long now = now();
        String id = decode(req.param("id"));
        String file = decode(req.param("file"));
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String expires = q.parameters().containsKey("expires") ? q.parameters().get("expires").get(0) : null;
        String sig = q.parameters().containsKey("sig") ? q.parameters().get("sig").get(0) : null;
        String range = req.requestHeaders().get(HttpHeaderNames.RANGE, "");
        boolean auth = req.requestHeaders().contains(HttpHeaderNames.AUTHORIZATION);
        SimTask t = p.tasks().get(id);
        SimMedia.Refusal refusal = p.media().check(t, file, expires, sig, now);
        if (refusal != null) {
            log(q.path(), now, range, refusal.status(), auth);
            return send(res, refusal.status(), p.bodies().error(Integer.toString(refusal.status()), refusal.reason()));
        }
        if (p.media().renders(t)) { // a PNG rendered from the prompt: fonts and CPU, off the event loop
            return Mono.fromCallable(() -> p.media().content(t)).subscribeOn(Schedulers.boundedElastic())
                    .flatMapMany(content -> serve(res, q, t, content, range, now, auth));
        }
        return serve(res, q, t, p.media().content(Objects.requireNonNull(t)), range, now, auth);
    }

    private Publisher<Void> serve(HttpServerResponse res, QueryStringDecoder q, SimTask t, byte[] content,
                                  String range, long now, boolean auth) {
        res.header(HttpHeaderNames.CONTENT_TYPE, p.media().contentType(t)).header(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        if (range.isEmpty()) {
            if (p.random().nextDouble() < p.faults().mediaTruncated()) {
                log(q.path(), now, range, 200, auth);
                return truncated(res.status(200), content);
            }
            log(q.path(), now, range, 200, auth);
            return bytes(res, 200, content);
        }
        long[] r = parseRange(range, content.length);
        if (r == null) {
            log(q.path(), now, range, 416, auth);
            res.header(HttpHeaderNames.CONTENT_RANGE, "bytes */" + content.length);
            return send(res, 416, EMPTY);
        }
        log(q.path(), now, range, 206, auth);
        res.header(HttpHeaderNames.CONTENT_RANGE, "bytes " + r[0] + "-" + r[1] + "/" + content.length);
        return bytes(res, 206, Arrays.copyOfRange(content, (int) r[0], (int) r[1] + 1));
    }

    private void log(String path, long now, String range, int status, boolean auth) {
        p.mediaLog().add(new MediaRequest(path, Instant.ofEpochMilli(now), range, status, auth));
    }

    /** {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}; null when unsatisfiable or not understood. */
    static long @Nullable [] parseRange(String header, long length) {
        if (!header.startsWith("bytes=") || header.contains(",")) {
            return null;
        }
        String[] ab = header.substring(6).trim().split("-", -1);
        try {
            long start;
            long end;
            if (ab[0].isEmpty()) {
                long n = Long.parseLong(ab[1]);
                start = Math.max(0, length - n);
                end = length - 1;
            } else {
                start = Long.parseLong(ab[0]);
                end = ab[1].isEmpty() ? length - 1 : Math.min(Long.parseLong(ab[1]), length - 1);
            }
            return start <= end && start < length ? new long[] {start, end} : null;
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    // ---- gates ----

    private BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> api(
            BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
        return (req, res) -> {
            if (!authorised(req)) {
                return send(res, 401, p.bodies().error("401", "invalid or missing API key"));
            }
            Publisher<Void> throttled = quota(req, res, now());
            return throttled != null ? throttled : handler.apply(req, res);
        };
    }

    private boolean authorised(HttpServerRequest req) {
        String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        return auth != null && MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8), expectedAuth);
    }

    private @Nullable Publisher<Void> quota(HttpServerRequest req, HttpServerResponse res, long now) {
        Quota q = p.quota();
        if (q == null) {
            return null;
        }
        long waitMillis = q.tryAcquire(String.valueOf(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION)), now);
        if (waitMillis == 0) {
            return null;
        }
        p.throttled().increment();
        switch (p.retryAfterMode()) {
            case SECONDS:
                res.header(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, (waitMillis + 999) / 1000)));
                break;
            case HTTP_DATE:
                long at = (now + waitMillis + 999) / 1000;
                res.header(HttpHeaderNames.RETRY_AFTER,
                        DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochSecond(at).atOffset(ZoneOffset.UTC)));
                break;
            default:
                break;
        }
        return send(res, 429, p.bodies().error("429", "too many requests"));
    }

    private Publisher<Void> withBody(HttpServerRequest req, HttpServerResponse res,
                                     java.util.function.Function<JsonNode, SimAssets.Answer> handler) {
        return withBodyAsync(req, res, body -> Mono.just(handler.apply(body)));
    }

    private Publisher<Void> withBodyAsync(HttpServerRequest req, HttpServerResponse res,
                                          java.util.function.Function<JsonNode, Mono<SimAssets.Answer>> handler) {
        if (req.requestHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, 0) > MAX_REQUEST_BYTES) {
            return send(res, 413, p.bodies().error("413", "request body larger than " + MAX_REQUEST_BYTES + " bytes"));
        }
        // opc-api.md: "Content-Type: application/json when there is a body" (the status of a refusal is not said)
        String type = req.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.split(";", 2)[0].strip().equalsIgnoreCase("application/json")) {
            return send(res, 400, p.bodies().error("400", "Content-Type: " + (type == null ? "missing"
                    : "'" + type + "'") + "; application/json is required"));
        }
        return req.receive().aggregate().asByteArray().defaultIfEmpty(EMPTY).flatMap(bytes -> {
            JsonNode body;
            try {
                body = bytes.length == 0 ? null : p.bodies().json.readTree(bytes);
            } catch (IOException e) {
                return Mono.from(send(res, 400, p.bodies().error("400", "request body is not valid JSON")));
            }
            if (body == null || !body.isObject()) {
                return Mono.from(send(res, 400, p.bodies().error("400", "request body must be a JSON object")));
            }
            return handler.apply(body).flatMap(a -> Mono.from(send(res, a.status(), a.body())));
        });
    }

    // ---- answers, faulty or not ----

    private Publisher<Void> faulty(HttpServerResponse res, Faults.Kind fault, byte[] body) {
        switch (fault) {
            case SERVER_ERROR:
                return send(res, toggle.getAndSet(!toggle.get()) ? 503 : 500,
                        p.bodies().error("500", "internal error (simulated)"));
            case RESET:
                return res.withConnection(c -> {
                    c.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                    c.channel().close();
                }).then(Mono.never());
            case MALFORMED:
                return send(res, 200, "{\"id\":\"x\",\"status\":<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
            case EMPTY:
                return send(res, 200, EMPTY);
            case TRUNCATED:
                return truncated(res.status(200).header(HttpHeaderNames.CONTENT_TYPE, "application/json"), body);
            case STALL:
                return Mono.delay(p.faults().stallFor(), p.time().scheduler())
                        .then(Mono.fromRunnable(() -> res.withConnection(c -> c.channel().close())));
            default:
                return send(res, 200, body);
        }
    }

    /**
     * Half of {@code body} under a Content-Length of all of it, flushed, then the connection closed: the client sees a
     * body that ends early. (Half the body and then an error signal did the same, but Reactor Netty logged each at
     * ERROR with its stack trace on the event loop. The half is flushed before the close: closed unflushed, a client
     * got no byte of a download, and its retry asked from byte 0 again, into the same fault.)
     */
    private static Publisher<Void> truncated(HttpServerResponse res, byte[] body) {
        return res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
                .send(Flux.just(Unpooled.wrappedBuffer(body, 0, body.length / 2))
                        .concatWith(Mono.<io.netty.buffer.ByteBuf>fromRunnable(() -> res.withConnection(c -> c.channel()
                                .close())).then(Mono.never())), b -> true);
    }

    private static Publisher<Void> send(HttpServerResponse res, int status, byte[] body) {
        res.header(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return bytes(res, status, body);
    }

    private static Publisher<Void> bytes(HttpServerResponse res, int status, byte[] body) {
        return res.status(HttpResponseStatus.valueOf(status))
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
                .sendObject(Unpooled.wrappedBuffer(body));
    }

    /** Decodes %XX escapes (UTF-8) of a path parameter; '+' stays '+': this is a path. */
    static String decode(@Nullable String s) {
        if (s == null || s.indexOf('%') < 0) {
            return s == null ? "" : s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            int hi = i + 2 < in.length ? Character.digit(in[i + 1], 16) : -1;
            int lo = i + 2 < in.length ? Character.digit(in[i + 2], 16) : -1;
            if (in[i] == '%' && hi >= 0 && lo >= 0) {
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
