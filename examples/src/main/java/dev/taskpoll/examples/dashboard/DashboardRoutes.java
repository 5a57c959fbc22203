package dev.taskpoll.examples.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.taskpoll.InvalidRequestException;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.examples.FamilyCatalog;
import dev.taskpoll.examples.FamilyNames;
import dev.taskpoll.examples.StatusJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The dashboard's HTTP surface (functional routes: small, explicit, nothing blocks an event loop). */
final class DashboardRoutes {

    private static final Pattern FILE = Pattern.compile("\\d{1,4}\\.[a-z0-9]{1,8}");
    private static final int MAX_BODY = 64 * 1024;

    private final Generations generations;
    private final String page;

    DashboardRoutes(Generations generations) {
        this.generations = generations;
        // read once at start-up, so serving it never touches the file system on an event loop
        try (InputStream in = DashboardRoutes.class.getResourceAsStream("/dashboard/index.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard/index.html is missing from the class path");
            }
            this.page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .GET("/", req -> ServerResponse.ok().contentType(MediaType.TEXT_HTML).bodyValue(page))
                .GET("/families", req -> json(200, families()))
                .GET("/fleet", req -> json(200, generations.fleet()))
                .GET("/generations", req -> {
                    ArrayNode list = Generations.JSON.createArrayNode();
                    generations.list().forEach(e -> list.add(e.summary()));
                    return json(200, list);
                })
                .POST("/generations", this::submit)
                .GET("/generations/{id}", req -> generations.get(req.pathVariable("id"))
                        .map(e -> json(200, e.summary().set("last", StatusJson.shared(e.last))))
                        .orElseGet(() -> problem(404, "no generation '" + req.pathVariable("id") + "' here")))
                .GET("/events", req -> ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                        .body(generations.all(), ServerSentEvent.class))
                .GET("/generations/{id}/events", req -> generations.get(req.pathVariable("id"))
                        .map(e -> ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                                .body(generations.events(e), ServerSentEvent.class))
                        .orElseGet(() -> problem(404, "no generation '" + req.pathVariable("id") + "' here")))
                .GET("/results/{id}/{file}", this::result)
                .build();
    }

    private Mono<ServerResponse> submit(ServerRequest req) {
        // JSON only: a form, or another site's page (whose plain-text or form POST needs no preflight), cannot start a
        // paid generation with this dashboard's key
        MediaType type;
        try {
            type = req.headers().contentType().orElse(null);
        } catch (org.springframework.http.InvalidMediaTypeException e) { // 'json', or a charset that is none
            return problem(415, "Content-Type: '" + req.headers().firstHeader("Content-Type")
                    + "' is not a media type; must be application/json");
        }
        if (type == null || !MediaType.APPLICATION_JSON.isCompatibleWith(type)) {
            return problem(415, "Content-Type: '" + (type == null ? "none" : type.toString())
                    + "' must be application/json");
        }
        return req.bodyToMono(String.class)
                .defaultIfEmpty("")
                .flatMap(body -> {
                    GenerationRequest request;
                    try {
                        request = request(body);
                    } catch (IllegalArgumentException | InvalidRequestException e) {
                        return problem(400, e.getMessage());
                    }
                    List<String> notes = FamilyNames.undocumented(request, "params.");
                    return generations.submit(request)
                            .flatMap(entry -> {
                                com.fasterxml.jackson.databind.node.ObjectNode answer = entry.summary();
                                if (!notes.isEmpty()) {
                                    notes.forEach(answer.putArray("notes")::add);
                                }
                                return ServerResponse.created(URI.create("/generations/"
                                                + Generations.segment(entry.id)))
                                        .contentType(MediaType.APPLICATION_JSON).bodyValue(answer.toString());
                            })
                            // refused before sending (the generic dialect on GlobalAI's host, say): the request's
                            // fault, not the API's
                            .onErrorResume(InvalidRequestException.class, e -> problem(400, e.getMessage()))
                            .onErrorResume(TaskpollException.class, e -> problem(502, e.getMessage()));
                })
                // a body past the codec's buffer (256 KiB) never reaches the 64 KiB check above: the same answer
                .onErrorResume(DashboardRoutes::tooLarge, e -> problem(400, "body: larger than the codec's buffer;"
                        + " at most " + MAX_BODY + " bytes"));
    }

    private static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.springframework.core.io.buffer.DataBufferLimitException) {
                return true;
            }
        }
        return false;
    }

    /** {@code {"family": "veo", "model": "veo_3_1_fast", "prompt": "...", "params": {...}}}, validated. */
    static GenerationRequest request(String body) {
        if (body.length() > MAX_BODY) {
            throw new IllegalArgumentException("body: " + body.length() + " bytes, at most " + MAX_BODY);
        }
        JsonNode n;
        try {
            n = Generations.JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("body: not JSON (" + e.getOriginalMessage() + ")");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("body: must be a JSON object with family, model and prompt");
        }
        String familyName = text(n, "family");
        Family family = FamilyNames.parse(familyName).orElseThrow(() -> new IllegalArgumentException("family: '"
                + familyName + "' is not a generation family (GET /families)"));
        String model = text(n, "model");
        JsonNode prompt = n.get("prompt");
        if (prompt != null && !prompt.isNull() && !prompt.isTextual()) {
            throw new IllegalArgumentException("prompt: " + abbreviated(prompt) + " is not a string; a string is"
                    + " required");
        }
        Map<String, Object> params = new LinkedHashMap<>();
        JsonNode p = n.get("params");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                throw new IllegalArgumentException("params: " + abbreviated(p) + " is not a JSON object of parameters");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("model")) { // (the library's own message names its Java builder)
                    throw new IllegalArgumentException("params.model: " + abbreviated(f.getValue())
                            + " is not a parameter; give the model as the top-level \"model\" field");
                }
                params.put(f.getKey(), Generations.JSON.convertValue(f.getValue(), Object.class));
            }
        }
        if (family == Family.GENERIC_TASK) {
            Map<String, Object> input = new LinkedHashMap<>();
            if (prompt != null && !prompt.isNull()) {
                input.put("prompt", prompt.asText());
            }
            input.putAll(params);
            return GenerationRequest.task(model, input).build();
        }
        GenerationRequest.Builder b = GenerationRequest.builder(family, model);
        if (prompt != null && !prompt.isNull()) {
            b.prompt(prompt.asText());
        }
        params.forEach(b::param);
        return b.build();
    }

    private static String abbreviated(JsonNode v) {
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(field + ": " + (v == null ? "missing" : "'" + v + "'")
                    + "; a non-empty string is required");
        }
        return v.asText();
    }

    private static ArrayNode families() {
        return FamilyCatalog.json(Generations.JSON);
    }

    /**
     * Only files this dashboard stored, by their recorded path: nothing from the request reaches the file system. The
     * file is opened, read and closed on {@code boundedElastic}; Spring's {@code DataBufferUtils.read(Path)} would open
     * it on the event loop and hand each read to the JDK's own pool from there.
     */
    private Mono<ServerResponse> result(ServerRequest req) {
        String id = req.pathVariable("id");
        String file = req.pathVariable("file");
        if (!FILE.matcher(file).matches()) {
            return problem(404, "no result '" + file + "'");
        }
        Generations.File stored = generations.get(id).map(e -> e.files.get(file)).orElse(null);
        if (stored == null) {
            return problem(404, "no stored result '" + file + "' for generation '" + id + "'");
        }
        long size = stored.size();
        // one byte range (a video element seeks with them; Safari plays no video without): RFC 9110 section 14; a
        // request with If-Range (no validator is sent), several ranges or a range it cannot read gets the whole file,
        // as the RFC allows, and so does any range of an empty file (200, no body)
        String range = req.headers().firstHeader(HttpHeaders.RANGE);
        long[] span = range == null || req.headers().firstHeader(HttpHeaders.IF_RANGE) != null ? null
                : span(range, size);
        if (span == UNSATISFIABLE) {
            return ServerResponse.status(416).header(HttpHeaders.CONTENT_RANGE, "bytes */" + size)
                    .header(HttpHeaders.ACCEPT_RANGES, "bytes").build();
        }
        long from = span == null ? 0 : span[0];
        long length = span == null ? size : span[1] - span[0] + 1;
        ServerResponse.BodyBuilder answer = span == null ? ServerResponse.ok()
                : ServerResponse.status(206).header(HttpHeaders.CONTENT_RANGE,
                        "bytes " + span[0] + "-" + span[1] + "/" + size);
        // nosniff and a sandbox: a result is shown as the media it is, never run as a page of this dashboard
        return answer.contentType(MediaType.parseMediaType(stored.contentType()))
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "sandbox; default-src 'none'; media-src 'self'; img-src 'self'")
                .header(HttpHeaders.ACCEPT_RANGES, "bytes")
                .contentLength(length)
                .body(DataBufferUtils.takeUntilByteCount(DataBufferUtils.readByteChannel(() -> {
                                    FileChannel ch = FileChannel.open(stored.path());
                                    try {
                                        ch.position(from);
                                    } catch (IOException e) {
                                        ch.close();
                                        throw e;
                                    }
                                    return ch;
                                }, DefaultDataBufferFactory.sharedInstance, 64 * 1024)
                                // open, each read and the close off the event loop (a client that goes away mid-body
                                // cancels on the event loop, and closing a channel waits for a read in progress)
                                .subscribeOn(Schedulers.boundedElastic()).cancelOn(Schedulers.boundedElastic()),
                                length),
                        org.springframework.core.io.buffer.DataBuffer.class);
    }

    private static final Pattern RANGE = Pattern.compile("(?i)bytes=\\s*([0-9]{0,18})-([0-9]{0,18})\\s*");

    /** {@link #span}'s answer for a range that begins past the end of the file. */
    private static final long[] UNSATISFIABLE = new long[0];

    /**
     * The first and last byte of a {@code Range: bytes=...} header over a file of {@code size} bytes: {@code a-b}
     * ({@code b} cut at the end), {@code a-}, {@code -n} (the last n); {@link #UNSATISFIABLE} when it begins past the
     * end (or asks for the last 0 bytes); null for anything else (another unit, several ranges, a range it cannot
     * read), which is answered with the whole file, as is any range of an empty file.
     */
    static long @org.jspecify.annotations.Nullable [] span(String range, long size) {
        java.util.regex.Matcher m = RANGE.matcher(range);
        if (size == 0 || !m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
            return null;
        }
        if (m.group(1).isEmpty()) { // the last n bytes
            long n = Long.parseLong(m.group(2));
            return n == 0 ? UNSATISFIABLE : new long[] {Math.max(0, size - n), size - 1};
        }
        long first = Long.parseLong(m.group(1));
        long last = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
        if (last < first) {
            return null; // invalid: ignored
        }
        return first >= size ? UNSATISFIABLE : new long[] {first, Math.min(last, size - 1)};
    }

    private static Mono<ServerResponse> json(int status, JsonNode body) {
        return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(body.toString());
    }

    private static Mono<ServerResponse> problem(int status, String message) {
        return json(status, Generations.JSON.createObjectNode().put("error", message));
    }
}
