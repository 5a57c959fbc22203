package dev.taskpoll.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An in-process simulator of the GlobalAI OPC API and the generic task API, on a Reactor Netty {@link HttpServer},
 * on {@link SimTime simulated time}, keeping the ground truth of every task.
 *
 * <pre>{@code
 * SimTime time = SimTime.accelerated(1000);
 * try (Simulator sim = Simulator.builder().time(time).build().start()) {
 *     String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
 *     // point a client at sim.baseUrl() with key sim.apiKey(), and its scheduler at time.scheduler()
 * }
 * }</pre>
 *
 * <p>Served below {@link #baseUrl()} (which ends with the documented {@code /kyyReactApiServer} prefix):
 * {@code GET /v1/result/{id}}, {@code GET /v1/task/{id}}, the create endpoints of every family
 * ({@code POST /v1/sora/videos} ... {@code POST /v1/task/submit}); and at the root, {@code GET /_sim/tasks}, the
 * ledger as JSON. Every API call needs {@code Authorization: Bearer <apiKey>}, else 401.
 *
 * <p>Not yet simulated (issue: testkit): per-family request validation beyond {@code model} and {@code prompt},
 * callbacks, serving result media, assets, quotas and fault injection.
 */
public final class Simulator implements AutoCloseable {

    /** The path prefix of the documented media base URL. */
    public static final String PATH_PREFIX = "/kyyReactApiServer";

    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private final SimTime time;
    private final byte[] expectedAuth;
    private final String apiKey;
    private final String host;
    private final int port;
    private final @Nullable Duration genMin;
    private final @Nullable Duration genMax;
    private final double failureRate;
    private final Random random;
    private final ObjectMapper json = new ObjectMapper();
    private final ConcurrentHashMap<String, SimTask> tasks = new ConcurrentHashMap<>();
    private final LongAdder statusQueries = new LongAdder();
    private @Nullable DisposableServer server;

    private Simulator(Builder b) {
        this.time = b.time;
        this.apiKey = b.apiKey;
        this.expectedAuth = ("Bearer " + b.apiKey).getBytes(StandardCharsets.UTF_8);
        this.host = b.host;
        this.port = b.port;
        this.genMin = b.genMin;
        this.genMax = b.genMax;
        this.failureRate = b.failureRate;
        this.random = b.seed != null ? new Random(b.seed) : new Random();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the server (blocking until bound: call it from a test or main thread, not an event loop). */
    public Simulator start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        server = HttpServer.create()
                .host(host)
                .port(port)
                .route(routes -> {
                    routes.get(PATH_PREFIX + "/v1/result/{id}", (req, res) -> status(req, res, false));
                    routes.get(PATH_PREFIX + "/v1/task/{id}", (req, res) -> status(req, res, true));
                    for (SimFamily f : SimFamily.all()) {
                        routes.post(PATH_PREFIX + f.createPath(), (req, res) -> create(req, res, f));
                    }
                    routes.get("/_sim/tasks", (req, res) -> send(res, 200, ledgerJson()));
                })
                .bindNow();
        return this;
    }

    /** {@code http://127.0.0.1:<port>/kyyReactApiServer}. */
    public String baseUrl() {
        DisposableServer s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return "http://" + host + ":" + s.port() + PATH_PREFIX;
    }

    /** The key the simulator accepts. */
    public String apiKey() {
        return apiKey;
    }

    public SimTime time() {
        return time;
    }

    /**
     * Creates a task as {@code POST createPath} with {@code model} would, without HTTP. Its generation time is drawn
     * from the family's estimate (or the builder's override) and its outcome from the failure rate.
     *
     * @return the task id (the {@code projectId} for the Videos and SD2 Manxue families)
     * @throws IllegalArgumentException for a path that is not a create endpoint
     */
    public String createTask(String createPath, String model) {
        SimFamily f = SimFamily.byPath(createPath);
        if (f == null) {
            throw new IllegalArgumentException("createPath: '" + createPath + "' is not a create endpoint");
        }
        return newTask(f, model).id;
    }

    /** The truth about one task. */
    public Optional<TaskTruth> truth(String id) {
        SimTask t = tasks.get(id);
        return t == null ? Optional.empty() : Optional.of(truthOf(t));
    }

    /** The truth about every task created so far. */
    public List<TaskTruth> truths() {
        List<TaskTruth> all = new ArrayList<>(tasks.size());
        for (SimTask t : tasks.values()) {
            all.add(truthOf(t));
        }
        return all;
    }

    /** Status queries answered so far, over both dialects, whatever their HTTP status. */
    public long statusQueries() {
        return statusQueries.sum();
    }

    @Override
    public void close() {
        DisposableServer s = server;
        if (s != null) {
            s.disposeNow();
        }
    }

    private SimTask newTask(SimFamily f, String model) {
        long now = time.nowMillis();
        Duration min = genMin != null ? genMin : f.genMin();
        Duration max = genMax != null ? genMax : f.genMax();
        long gen = min.toMillis() + (long) (random.nextDouble() * (max.toMillis() - min.toMillis()));
        long queued = (long) (random.nextDouble() * 0.2 * gen);
        SimOutcome outcome = SimOutcome.COMPLETED;
        String error = null;
        if (random.nextDouble() < failureRate) {
            outcome = f.cancellable() && random.nextBoolean() ? SimOutcome.CANCELLED : SimOutcome.FAILED;
            error = outcome == SimOutcome.FAILED ? "generation failed: content policy (simulated)" : null;
        }
        while (true) {
            // not UUID.randomUUID(): SecureRandom may block, and this runs on an event loop
            String id = f.idPrefix() + String.format("%016x", random.nextLong());
            SimTask t = new SimTask(id, f, model, now, now + queued, now + gen, outcome, error);
            if (tasks.putIfAbsent(id, t) == null) {
                return t;
            }
        }
    }

    private Publisher<Void> status(HttpServerRequest req, HttpServerResponse res, boolean generic) {
        statusQueries.increment();
        if (!authorised(req)) {
            return send(res, 401, error("invalid or missing API key"));
        }
        String id = percentDecode(Objects.requireNonNull(req.param("id")));
        SimTask t = tasks.get(id);
        if (t == null || t.family.generic() != generic) {
            return send(res, 404, error("task not found"));
        }
        long now = time.nowMillis();
        t.recordPoll(now);
        return send(res, 200, generic ? genericBody(t, now) : queryBody(t, now));
    }

    private Publisher<Void> create(HttpServerRequest req, HttpServerResponse res, SimFamily f) {
        if (!authorised(req)) {
            return send(res, 401, error("invalid or missing API key"));
        }
        return req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(bytes -> {
            if (bytes.length > MAX_REQUEST_BYTES) {
                return Mono.from(send(res, 413, error("request body too large")));
            }
            JsonNode body;
            try {
                body = json.readTree(bytes);
            } catch (IOException e) {
                return Mono.from(send(res, 400, error("request body is not valid JSON")));
            }
            String problem = validate(f, body);
            if (problem != null) {
                return Mono.from(send(res, 400, error(problem)));
            }
            SimTask t = newTask(f, body.get("model").asText());
            return Mono.from(send(res, 200, createBody(t)));
        });
    }

    private static @Nullable String validate(SimFamily f, @Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            return "request body must be a JSON object";
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            return "model is required";
        }
        if (f.generic()) {
            return body.path("input").isObject() ? null : "input is required and must be an object";
        }
        if (f.name().equals("seedance")) {
            for (JsonNode item : body.path("content")) {
                if ("text".equals(item.path("type").asText()) && !item.path("text").asText().isBlank()) {
                    return null;
                }
            }
            return "content must hold at least one text item";
        }
        return body.path("prompt").isTextual() && !body.path("prompt").asText().isBlank() ? null
                : "prompt is required";
    }

    private byte[] createBody(SimTask t) {
        ObjectNode n = json.createObjectNode();
        if (t.family.envelope()) {
            n.put("code", "0").putNull("msg");
            n.putObject("data").put("projectId", t.id);
        } else {
            n.put("id", t.id).put("object", t.family.createObject()).put("created", t.createdAt / 1000)
                    .put("model", t.model).put("status", "queued").putNull("error");
        }
        return bytes(n);
    }

    private byte[] queryBody(SimTask t, long now) {
        String status = t.statusAt(now);
        boolean completed = status.equals("completed");
        ObjectNode n = json.createObjectNode()
                .put("id", t.id).put("object", t.family.queryObject()).put("created", t.createdAt / 1000)
                .put("model", t.model).put("status", status);
        String urlField = t.family.image() ? "image_url" : "video_url";
        if (completed) {
            n.put(urlField, mediaUrl(t));
            if (!t.family.image()) {
                n.put("actualDuration", 8);
            }
            if (t.family.tokens()) {
                n.put("totalTokens", 108_900);
            }
        } else {
            n.putNull(urlField);
        }
        if (status.equals("failed")) {
            n.put("error", t.error);
        } else {
            n.putNull("error");
        }
        return bytes(n);
    }

    private byte[] genericBody(SimTask t, long now) {
        String status = t.statusAt(now);
        ObjectNode n = json.createObjectNode().put("id", t.id).put("model", t.model).put("status", status)
                .put("created", t.createdAt / 1000);
        ArrayNode outputs = n.putArray("outputs");
        if (status.equals("completed")) {
            outputs.add(mediaUrl(t));
        }
        if (status.equals("failed")) {
            n.put("error", t.error);
        }
        return bytes(n);
    }

    private String mediaUrl(SimTask t) {
        return baseUrl() + "/_media/" + t.id + "/0." + (t.family.image() ? "png" : "mp4") + "?expires="
                + (t.doneAt / 1000 + 86_400) + "&sig=sim";
    }

    private byte[] ledgerJson() {
        ArrayNode all = json.createArrayNode();
        for (TaskTruth t : truths()) {
            ObjectNode n = all.addObject().put("id", t.id()).put("family", t.family()).put("model", t.model())
                    .put("createdAt", t.createdAt().toString()).put("processingAt", t.processingAt().toString())
                    .put("finishedAt", t.finishedAt().toString()).put("outcome", t.outcome().raw());
            ArrayNode polls = n.putArray("polls");
            t.polls().forEach(p -> polls.add(p.toString()));
        }
        return bytes(json.createObjectNode().set("tasks", all));
    }

    private static TaskTruth truthOf(SimTask t) {
        List<Instant> polls = new ArrayList<>();
        for (long p : t.polls()) {
            polls.add(Instant.ofEpochMilli(p));
        }
        return new TaskTruth(t.id, t.family.name(), t.model, Instant.ofEpochMilli(t.createdAt),
                Instant.ofEpochMilli(t.processingAt), Instant.ofEpochMilli(t.doneAt), t.outcome, List.copyOf(polls));
    }

    private boolean authorised(HttpServerRequest req) {
        String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        return auth != null && MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8), expectedAuth);
    }

    private byte[] error(String message) {
        return bytes(json.createObjectNode().put("code", "1").put("msg", message));
    }

    private byte[] bytes(JsonNode n) {
        try {
            return json.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Publisher<Void> send(HttpServerResponse res, int status, byte[] body) {
        return res.status(HttpResponseStatus.valueOf(status))
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
                .sendByteArray(Mono.just(body));
    }

    /** Decodes %XX escapes (UTF-8); a malformed escape is kept as it is. '+' stays '+': this is a path. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
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

    /** Builds a {@link Simulator}; every setter validates and names the field it rejects. */
    public static final class Builder {
        private SimTime time = SimTime.realTime();
        private String apiKey = "sim-key";
        private String host = "127.0.0.1";
        private int port;
        private @Nullable Duration genMin;
        private @Nullable Duration genMax;
        private double failureRate;
        private @Nullable Long seed;

        private Builder() {
        }

        /** Simulated time (default: real time). */
        public Builder time(SimTime time) {
            this.time = Objects.requireNonNull(time, "time");
            return this;
        }

        /** The only key accepted (default: {@code sim-key}). */
        public Builder apiKey(String key) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("apiKey: must not be blank");
            }
            this.apiKey = key;
            return this;
        }

        /** The port (default: 0, any free one). Always bound to 127.0.0.1. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " must be between 0 and 65535");
            }
            this.port = port;
            return this;
        }

        /**
         * Every task's generation time, drawn uniformly from {@code [min, max]} (default: per family from the docs'
         * estimates: 2-8 min for video, 5-30 s for images).
         */
        public Builder generationTime(Duration min, Duration max) {
            Objects.requireNonNull(min, "generationTime.min");
            Objects.requireNonNull(max, "generationTime.max");
            if (min.isNegative() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("generationTime: [" + min + ", " + max
                        + "] must have 0 <= min <= max");
            }
            this.genMin = min;
            this.genMax = max;
            return this;
        }

        /** The share of tasks that end failed (or, for Seedance 1.5, half of those cancelled) (default: 0). */
        public Builder failureRate(double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("failureRate: " + rate + " must be between 0 and 1");
            }
            this.failureRate = rate;
            return this;
        }

        /** A seed for generation times and outcomes (default: random). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Simulator build() {
            return new Simulator(this);
        }
    }
}
