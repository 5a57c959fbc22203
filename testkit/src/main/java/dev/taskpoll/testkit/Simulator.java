package dev.taskpoll.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

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
 * <ul>
 *   <li>the create endpoints of every family ({@code POST /v1/sora/videos} ... {@code POST /v1/image2/images},
 *       {@code POST /v1/task/submit}), validated by the documented rules (400 with the rule broken);</li>
 *   <li>{@code GET /v1/result/{id}} and {@code GET /v1/task/{id}}; callbacks to a loopback {@code callback_url};</li>
 *   <li>the asset endpoints of Seedance 2.0 and SD2 Manxue;</li>
 *   <li>{@code GET /_media/{id}/{file}}: the result files, with {@code Range}, until their URL expires;</li>
 *   <li>and at the root, {@code GET /_sim/tasks}: the ledger as JSON.</li>
 * </ul>
 * Every API call needs {@code Authorization: Bearer <apiKey>}, else 401; media URLs need no key. Quotas (429 with
 * {@code Retry-After} in seconds, as an HTTP date, or absent) and {@link Faults fault knobs} are off by default.
 */
public final class Simulator implements AutoCloseable {

    /** The path prefix of the documented media base URL. */
    public static final String PATH_PREFIX = "/kyyReactApiServer";

    private final Builder config;
    private final Parts parts;
    private @Nullable DisposableServer server;
    private @Nullable SimTls tls;

    /** The simulator's parts, shared by its handlers. */
    record Parts(SimTime time, SimTasks tasks, SimBodies bodies, SimMedia media, SimAssets assets,
                 SimCallbacks callbacks, @Nullable Quota quota, RetryAfterMode retryAfterMode, Faults faults,
                 boolean faultsOnCreate, Random random, LongAdder statusQueries, LongAdder throttled,
                 LongAdder createCalls, Queue<MediaRequest> mediaLog, AtomicLong outageUntil, Duration createDelay,
                 double createDelayShare, java.util.Set<String> overlapped, LongAdder http2Queries) {
    }

    private Simulator(Builder b) {
        this.config = b;
        Random random = b.seed != null ? new Random(b.seed) : new Random();
        SimMedia media = new SimMedia(b.urlLifetime.toMillis(), b.videoBytes, b.imageBytes, random.nextLong(),
                !b.mediaSized);
        SimBodies bodies = new SimBodies(media, b.envelopeForm);
        this.parts = new Parts(b.time, new SimTasks(b.time, random, b.genMin, b.genMax, b.perModel, b.failureRate,
                b.failedAtOnce, b.taskRetention), bodies, media,
                new SimAssets(bodies, random, b.assetMin.toMillis(), b.assetMax.toMillis(), b.assetFailureRate),
                new SimCallbacks(b.time, bodies, random, b.faults),
                b.quotaPerSecond > 0 ? new Quota(b.quotaPerSecond) : null, b.retryAfterMode, b.faults,
                b.faultsOnCreate, random, new LongAdder(), new LongAdder(), new LongAdder(),
                new ConcurrentLinkedQueue<>(), new AtomicLong(Long.MIN_VALUE), b.createDelay, b.createDelayShare,
                java.util.concurrent.ConcurrentHashMap.newKeySet(), new LongAdder());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** TCP connections accepted, and those of them open now. */
    private final java.util.concurrent.atomic.LongAdder connections = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder open = new java.util.concurrent.atomic.LongAdder();

    /** Binds the server (blocking until bound: call it from a test or main thread, not an event loop). */
    public Simulator start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        SimHandlers handlers = new SimHandlers(parts, config.apiKey);
        HttpServer http = HttpServer.create()
                .host("127.0.0.1")
                .port(config.port)
                .doOnChannelInit((observer, channel, remote) -> {
                    connections.increment();
                    open.increment();
                    channel.closeFuture().addListener(f -> open.decrement());
                    KeepAliveReads.install(channel);
                })
                .route(routes -> handlers.install(routes, PATH_PREFIX));
        if (config.https) {
            SimTls t = SimTls.generate();
            tls = t;
            java.security.PrivateKey key = t.server().getKeyPair().getPrivate();
            java.security.cert.X509Certificate[] chain = t.server().getCertificatePath();
            // HTTP/2 over TLS is chosen by ALPN (h2, else http/1.1): the spec that offers it
            http = config.http2
                    ? http.secure(spec -> spec.sslContext(reactor.netty.http.Http2SslContextSpec.forServer(key, chain)))
                    : http.secure(spec -> spec.sslContext(reactor.netty.http.Http11SslContextSpec.forServer(key, chain)));
        }
        if (config.http2) {
            http = http.protocol(reactor.netty.http.HttpProtocol.HTTP11,
                    config.https ? reactor.netty.http.HttpProtocol.H2 : reactor.netty.http.HttpProtocol.H2C)
                    // an h2c upgrade request with a body (a submit) is aggregated first: 413 past this (default 0)
                    .httpRequestDecoder(spec -> spec.h2cMaxContentLength(1 << 20));
        }
        server = http.bindNow();
        parts.media().baseUrl(baseUrl());
        return this;
    }

    /** {@code http://127.0.0.1:<port>/kyyReactApiServer}, or {@code https://...} when it serves https. */
    public String baseUrl() {
        return (config.https ? "https" : "http") + "://127.0.0.1:" + port() + PATH_PREFIX;
    }

    /**
     * The certificate authority made for this run, which issued the certificate the simulator serves https with:
     * what a client trusts ({@code ClientOptions.Builder.trustedCertificates}).
     *
     * @throws IllegalStateException unless built with {@link Builder#https(boolean)} and started
     */
    public java.security.cert.X509Certificate certificateAuthority() {
        return tls().authority().getCertificate();
    }

    /** {@link #certificateAuthority()} in PEM, as a file for a command line's {@code --ca-cert} holds it. */
    public String certificateAuthorityPem() {
        return tls().authority().getCertificatePEM();
    }

    private SimTls tls() {
        SimTls t = tls;
        if (t == null) {
            throw new IllegalStateException(config.https ? "not started" : "not serving https: see Builder.https");
        }
        return t;
    }

    /** The bound port. */
    public int port() {
        DisposableServer s = server;
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        return s.port();
    }

    /** The key the simulator accepts. */
    public String apiKey() {
        return config.apiKey;
    }

    public SimTime time() {
        return parts.time();
    }

    /**
     * Creates a task as {@code POST createPath} with {@code model} would, without HTTP and without request
     * validation. Its generation time is drawn from the family's estimate (or the builder's override) and its
     * outcome from the failure rate.
     *
     * @return the task id (the {@code projectId} for the Videos and SD2 Manxue families)
     * @throws IllegalArgumentException for a path that is not a create endpoint
     */
    public String createTask(String createPath, String model) {
        SimFamily f = SimFamily.byPath(createPath);
        if (f == null) {
            throw new IllegalArgumentException("createPath: '" + createPath + "' is not a create endpoint");
        }
        return parts.tasks().create(f, model, null).id;
    }

    /** The truth about one task. */
    public Optional<TaskTruth> truth(String id) {
        SimTask t = parts.tasks().get(id);
        return t == null ? Optional.empty() : Optional.of(SimTasks.truth(t));
    }

    /** The truth about every task created so far. */
    public List<TaskTruth> truths() {
        return parts.tasks().truths();
    }

    /** Status queries received so far, over both dialects, whatever they were answered. */
    /**
     * The tasks for which a status query arrived while another query of the same task was still being answered: two
     * pollers at once (empty when every task had one poller at a time).
     */
    public java.util.Set<String> overlappingStatusQueries() {
        return java.util.Set.copyOf(parts.overlapped());
    }

    public long statusQueries() {
        return parts.statusQueries().sum();
    }

    /** TCP connections accepted since the start (each HTTP/2 connection once, whatever its streams). */
    public long connectionsAccepted() {
        return connections.sum();
    }

    /** TCP connections open now (accepted and not yet closed). */
    public long openConnections() {
        return open.sum();
    }

    /** Status queries that arrived over HTTP/2 (h2, or h2c), whatever they were answered. */
    public long http2StatusQueries() {
        return parts.http2Queries().sum();
    }

    /**
     * Starts an outage now: every API call (status queries and creates) answers 503 for {@code length} of simulated
     * time; the tasks' timelines go on meanwhile.
     */
    public void outage(Duration length) {
        parts.outageUntil().set(parts.time().nowMillis() + length.toMillis());
    }

    /** Create calls received so far ({@code POST} on any create path), whatever they were answered. */
    public long createCalls() {
        return parts.createCalls().sum();
    }

    /** 429 answers given so far. */
    public long throttledResponses() {
        return parts.throttled().sum();
    }

    /** Every request for result media so far. */
    public List<MediaRequest> mediaRequests() {
        return List.copyOf(parts.mediaLog());
    }

    @Override
    public void close() {
        DisposableServer s = server;
        if (s != null) {
            s.disposeNow();
        }
    }

    /** Builds a {@link Simulator}; every setter validates and names the field it rejects. */
    public static final class Builder {
        private SimTime time = SimTime.realTime();
        private String apiKey = "sim-key";
        private int port;
        private @Nullable Duration genMin;
        private @Nullable Duration genMax;
        private final java.util.Map<String, Duration[]> perModel = new java.util.HashMap<>();
        private double failureRate;
        private double failedAtOnce;
        private EnvelopeForm envelopeForm = EnvelopeForm.PROJECT_ID;
        private @Nullable Long seed;
        private double quotaPerSecond;
        private RetryAfterMode retryAfterMode = RetryAfterMode.SECONDS;
        private Faults faults = Faults.none();
        private boolean faultsOnCreate;
        private boolean https;
        private boolean http2;
        private Duration createDelay = Duration.ZERO;
        private double createDelayShare = 1;
        private Duration urlLifetime = Duration.ofHours(24);
        private @Nullable Duration taskRetention;
        private int videoBytes = 256 * 1024;
        private int imageBytes = 32 * 1024;
        private boolean mediaSized;
        private Duration assetMin = Duration.ofSeconds(5);
        private Duration assetMax = Duration.ofSeconds(30);
        private double assetFailureRate;

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
         * Every task's generation time, drawn uniformly from {@code [min, max]} (default: the docs' estimates: 2-5 min
         * for Sora, VEO and Seedance 1.5 720p; 3-8 min for Seedance 1.5 1080p and SD2 Manxue 2K/4K; 2-4 min for Vidu
         * turbo, 3-6 min for Vidu pro; 2-6 min for the other video families; 5-30 s for images; 20 s-3 min for the
         * generic dialect). A per-model range set with {@link #generationTime(String, Duration, Duration)} wins.
         */
        public Builder generationTime(Duration min, Duration max) {
            checkRange("generationTime", min, max);
            this.genMin = min;
            this.genMax = max;
            return this;
        }

        /** The generation time of one model, drawn uniformly from {@code [min, max]}. */
        public Builder generationTime(String model, Duration min, Duration max) {
            Objects.requireNonNull(model, "model");
            checkRange("generationTime(" + model + ")", min, max);
            perModel.put(model, new Duration[] {min, max});
            return this;
        }

        /** The share of tasks that end failed (or, for Seedance 1.5, half of those cancelled) (default: 0). */
        public Builder failureRate(double rate) {
            this.failureRate = rate("failureRate", rate);
            return this;
        }

        /**
         * Of the failed tasks, the share that fail straight away, as a prompt refused by the content policy does
         * (opc-api.md, section 10: "become failed straight away"): {@code failed} from the first query on, the rest
         * failing at the end of their generation time (default: 0, each at its end). Drawn only when above 0, so a
         * seed's other draws stay as they were.
         */
        public Builder failedAtOnce(double share) {
            this.failedAtOnce = rate("failedAtOnce", share);
            return this;
        }

        /** How the envelope families (Videos, SD2 Manxue) answer a create call (default: {@link EnvelopeForm#PROJECT_ID}). */
        public Builder envelopeForm(EnvelopeForm form) {
            this.envelopeForm = Objects.requireNonNull(form, "envelopeForm");
            return this;
        }

        /** A seed for generation times, outcomes, ids and faults (default: random). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Allows {@code perSecond} API requests per simulated second per key, answering 429 past it, with
         * {@code Retry-After} as {@code mode} says (default: no quota; {@link RetryAfterMode#SECONDS}).
         */
        public Builder quota(double perSecond, RetryAfterMode mode) {
            if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
                throw new IllegalArgumentException("quota: " + perSecond + " must be a positive number of requests per second");
            }
            this.quotaPerSecond = perSecond;
            this.retryAfterMode = Objects.requireNonNull(mode, "retryAfterMode");
            return this;
        }

        /** Fault knobs for status queries (default: {@link Faults#none()}). */
        public Builder faults(Faults faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** Whether the fault knobs also hit create calls (default: false). */
        public Builder faultsOnCreate(boolean on) {
            this.faultsOnCreate = on;
            return this;
        }

        /** How long result URLs work after completion (default: 24 h, as documented). */
        /**
         * How long a create call waits, once the task exists, before it answers (simulated time; default 0): a
         * crash in that window leaves a task that was created and billed but whose id never came back.
         */
        public Builder createDelay(Duration delay) {
            return createDelay(delay, 1);
        }

        /** As {@link #createDelay(Duration)}, for a {@code share} of the create calls only (drawn from the seed). */
        public Builder createDelay(Duration delay, double share) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("createDelay: " + delay + " must not be negative");
            }
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("createDelay share: " + share + " must be between 0 and 1");
            }
            this.createDelay = delay;
            this.createDelayShare = share;
            return this;
        }

        /**
         * How long an ended task is kept, from its end; past it a status query answers 404 "task not found", as for an
         * id never created (opc-api.md, Seedance 1.5: "the task and the video are kept 1 day, then deleted"; the
         * answer after deletion is not documented) (default: kept for ever).
         */
        public Builder taskRetention(Duration retention) {
            this.taskRetention = positive("taskRetention", retention);
            return this;
        }

        public Builder urlLifetime(Duration lifetime) {
            this.urlLifetime = positive("urlLifetime", lifetime);
            return this;
        }

        /**
         * Sizes of the generated result files (16 B to 256 MiB), which are then deterministic bytes of those sizes
         * (for tests of sizes and caps). Default: real files, a PNG rendered from the prompt and a 2 s MP4.
         */
        public Builder mediaSize(int videoBytes, int imageBytes) {
            for (int n : new int[] {videoBytes, imageBytes}) {
                if (n < 16 || n > 256 << 20) {
                    throw new IllegalArgumentException("mediaSize: " + n + " bytes must be between 16 and " + (256 << 20));
                }
            }
            this.videoBytes = videoBytes;
            this.imageBytes = imageBytes;
            this.mediaSized = true;
            return this;
        }

        /** How long assets stay {@code Processing} (default: 5-30 s) and the share that end {@code Failed} (0). */
        public Builder assets(Duration min, Duration max, double failureRate) {
            checkRange("assets", min, max);
            this.assetMin = min;
            this.assetMax = max;
            this.assetFailureRate = rate("assets.failureRate", failureRate);
            return this;
        }

        /**
         * Serves https instead of plain http (default: false), API and media alike, with a certificate issued at start
         * by a certificate authority made for this run ({@link Simulator#certificateAuthority()}), for
         * {@code 127.0.0.1} and {@code localhost}.
         */
        public Builder https(boolean on) {
            this.https = on;
            return this;
        }

        /**
         * Offers HTTP/2 besides HTTP/1.1 (default: false, HTTP/1.1 only): over https by ALPN ({@code h2}, else
         * {@code http/1.1}); over plain http as {@code h2c}, by upgrade or prior knowledge. A client that asks for
         * HTTP/1.1 gets it. {@link Simulator#http2StatusQueries()} counts the status queries that used it.
         */
        public Builder http2(boolean on) {
            this.http2 = on;
            return this;
        }

        public Simulator build() {
            return new Simulator(this);
        }

        private static void checkRange(String field, Duration min, Duration max) {
            Objects.requireNonNull(min, field + ".min");
            Objects.requireNonNull(max, field + ".max");
            if (min.isNegative() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException(field + ": [" + min + ", " + max + "] must have 0 <= min <= max");
            }
        }

        private static Duration positive(String field, Duration d) {
            Objects.requireNonNull(d, field);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(field + ": " + d + " must be positive");
            }
            return d;
        }

        private static double rate(String field, double rate) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException(field + ": " + rate + " must be between 0 and 1");
            }
            return rate;
        }
    }
}
