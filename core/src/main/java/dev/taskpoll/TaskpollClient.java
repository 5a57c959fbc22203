package dev.taskpoll;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.CaptureException;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.catalog.AssetRequest;
import dev.taskpoll.catalog.AssetUpload;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.internal.Shown;
import dev.taskpoll.internal.engine.Engine;
import dev.taskpoll.internal.http.AssetStatusSource;
import dev.taskpoll.internal.http.HttpStatusSource;
import dev.taskpoll.internal.http.Json;
import dev.taskpoll.internal.http.StatusDecoder;
import dev.taskpoll.internal.http.Submitter;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.StatusSource;
import dev.taskpoll.spi.TaskStore;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.tcp.SslProvider;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The entry point over HTTP: one connection pool, one Jackson mapper and one {@link TaskTracker} for one base URL
 * and API key. Requests run on Reactor Netty's shared event loops.
 *
 * <pre>{@code
 * try (TaskpollClient client = TaskpollClient.create(ClientOptions.builder().apiKey(key).build())) {
 *     client.track(TaskRef.of("video_123", Family.VEO))
 *           .doOnNext(s -> System.out.println(s.state()))
 *           .blockLast();          // from a main thread; in a reactive app, compose instead
 * }
 * }</pre>
 *
 * <p>Thread-safe; create one per API key and share it. {@link #close()} releases the connection pool.
 */
public final class TaskpollClient implements AutoCloseable {

    private static final Logger log = Loggers.getLogger(TaskpollClient.class);

    /**
     * Requests one HTTP/2 connection carries at once before another is opened (or fewer if the server says so): 100,
     * the least RFC 9113 advises a server to allow.
     */
    static final int MAX_STREAMS = 100;

    private final ClientOptions options;
    private final ConnectionProvider pool;
    private final Map<Dialect, StatusSource> sources;
    private final TaskTracker tracker;
    private final Submitter submitter;
    private final StatusDecoder decoder;
    private final Engine engine;
    private final TaskStore store;
    private final @Nullable ResultCapture capture;
    private final Map<String, ConnectionPoolMetrics> poolMetrics = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Every TCP connection the API's pool opened and not yet closed: {@link #close()} closes those its pool's disposal
     * left open (Reactor Netty's HTTP/2 pool misses a connection that is between two streams' hand-overs when it is
     * disposed: one was left open at each close under load).
     */
    private final java.util.Set<io.netty.channel.Channel> channels = ConcurrentHashMap.newKeySet();
    /** The submits' writes to a durable store: bounded waits, never cancelled, their backlog bounded. */
    private final StoreWrites storeWrites;

    private TaskpollClient(ClientOptions options) {
        this.options = options;
        ConnectionProvider.Builder poolBuilder = ConnectionProvider.builder("taskpoll")
                .maxConnections(options.maxConnections())
                .pendingAcquireMaxCount(options.pendingAcquireMaxCount())
                .pendingAcquireTimeout(options.pendingAcquireTimeout())
                // never hand out a connection idle past maxIdleTime (checked as it is acquired), and close those
                // left idle that long in the background (a socket a NAT dropped holds nothing worth keeping), on
                // Reactor's parallel scheduler: by default each pool starts a maintenance thread of its own
                .maxIdleTime(options.maxIdleTime())
                .evictInBackground(options.maxIdleTime(), reactor.core.scheduler.Schedulers.parallel())
                .metrics(true, () -> new ConnectionProvider.MeterRegistrar() {
                    @Override
                    public void registerMetrics(String pool, String id, SocketAddress remote, ConnectionPoolMetrics m) {
                        poolMetrics.put(id, m);
                    }

                    @Override
                    public void deRegisterMetrics(String pool, String id, SocketAddress remote) {
                        poolMetrics.remove(id);
                    }
                });
        if (options.http2()) {
            // HTTP/2 multiplexes: open another connection only when the ones open carry MAX_STREAMS requests each
            // (Reactor Netty's h2 pool otherwise opens one per request waiting while the first connects: the
            // benchmarks saw all 256 opened for 256 in flight). HTTP/1.1 keeps the same maximum of connections.
            poolBuilder.allocationStrategy(reactor.netty.http.client.Http2AllocationStrategy.builder()
                    .maxConnections(options.maxConnections()).maxConcurrentStreams(MAX_STREAMS)
                    .strictConnectionReuse(true).build());
        }
        this.pool = poolBuilder.build();
        HttpClient base = HttpClient.create(pool).doOnChannelInit((observer, channel, remote) -> opened(channel));
        if (options.http2()) {
            // h2 for https URLs (ALPN, else HTTP/1.1), h2c for http ones (upgrade, else HTTP/1.1)
            base = base.protocol(HttpProtocol.HTTP11, HttpProtocol.H2, HttpProtocol.H2C);
        }
        // an https API's TLS context is built here, on the caller's thread: loading the JDK's trust store reads a file,
        // which Reactor Netty would otherwise do at the first https request, on an event loop (BlockHound caught it).
        // Given certificates are the only anchors; the host name is always verified (nothing turns that off).
        if (options.https()) {
            io.netty.handler.ssl.SslProvider provider = options.openSsl() ? io.netty.handler.ssl.SslProvider.OPENSSL
                    : io.netty.handler.ssl.SslProvider.JDK;
            java.util.function.Consumer<io.netty.handler.ssl.SslContextBuilder> trust = trustOnly(options
                    .trustedCertificates()).andThen(b -> b.sslProvider(provider));
            SslProvider.ProtocolSslContextSpec tls = options.http2()
                    ? reactor.netty.http.Http2SslContextSpec.forClient().configure(trust)
                    : reactor.netty.http.Http11SslContextSpec.forClient().configure(trust);
            base = base.secure(spec -> spec.sslContext(tls));
        }
        HttpClient http = base
                .baseUrl(options.baseUrl())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .responseTimeout(options.responseTimeout())
                .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, options.apiKey().bearer())
                        .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON));
        // one mapper and one decoder for every body the client reads (polls, submits, callbacks), with one limit
        ObjectMapper mapper = Json.newMapper(options.maxResponseBytes());
        this.decoder = new StatusDecoder(mapper);
        TrackerOptions trackerOptions = options.trackerOptions();
        Map<Dialect, StatusSource> map = new EnumMap<>(Dialect.class);
        for (Dialect d : List.of(Dialect.OPC, Dialect.TASK)) {
            map.put(d, new HttpStatusSource(http, d, decoder, trackerOptions.clock(), options.maxResponseBytes(),
                    options.responseTimeout()));
        }
        for (Dialect d : List.of(Dialect.ASSET_SEEDANCE_2_0, Dialect.ASSET_SD2_MANXUE)) {
            map.put(d, new AssetStatusSource(http, d, mapper, trackerOptions.clock(), options.maxResponseBytes(),
                    options.responseTimeout()));
        }
        this.sources = map;
        this.tracker = TaskTracker.unstarted(map, trackerOptions);
        this.engine = tracker.engine();
        this.store = trackerOptions.store();
        this.storeWrites = new StoreWrites(store, trackerOptions.scheduler(), options.storeTimeout(), closed::get);
        this.submitter = new Submitter(http, mapper, decoder, trackerOptions, options.submitRetry(),
                options.maxResponseBytes(), options.responseTimeout());
        CaptureOptions captureOptions = options.capture();
        this.capture = captureOptions == null ? null : ResultCapture.create(this, captureOptions);
        if (capture != null) {
            engine.results(capture);
        }
        engine.resume(); // after the result handler: a resumed task may be completed and waiting for its capture
    }

    /**
     * A client that reaches the API as {@code options} say; a durable store's open tasks resume at once.
     *
     * @param options how to reach the API
     * @return the client
     */
    public static TaskpollClient create(ClientOptions options) {
        return new TaskpollClient(Objects.requireNonNull(options, "options"));
    }

    /** Trusts {@code certificates} only, when there are some; else leaves the JDK's trust store. */
    private static java.util.function.Consumer<io.netty.handler.ssl.SslContextBuilder> trustOnly(
            List<java.security.cert.X509Certificate> certificates) {
        return b -> {
            if (!certificates.isEmpty()) {
                b.trustManager(certificates);
            }
        };
    }

    /**
     * Submits a generation and gives its task id. Retried ({@link ClientOptions#submitRetry()}: at most 5 attempts by
     * default, honouring {@code Retry-After}) only when it provably did not reach the API: connection refused or timed out,
     * no pooled connection free, or 429. Fails with {@link SubmitRejectedException} when the API refused it,
     * {@link SubmitOutcomeUnknownException} when a task may have been created (5xx, no response after sending), and
     * {@link TransportException} when every attempt failed before sending.
     *
     * @param request the generation to submit
     * @return the accepted task
     */
    public Mono<Submission> submit(GenerationRequest request) {
        Objects.requireNonNull(request, "request");
        if (request.family().dialect() == dev.taskpoll.catalog.Dialect.TASK
                && ClientOptions.onGlobalAiOpc(options.baseUrl())) {
            // documented as another vendor's API (ElkAPI, its own host and key): GlobalAI OPC would answer 404
            return Mono.error(new InvalidRequestException(request.family(), "baseUrl", "'" + options.baseUrl()
                    + "' is GlobalAI OPC's, and the generic task API is ElkAPI's (https://api.elkapi.com, with its own"
                    + " key): submit it through a client whose baseUrl is that API's; nothing was sent"));
        }
        if (!store.durable()) {
            return submitter.submit(request);
        }
        // the intent before the request leaves; the id recorded before anyone is handed it. Neither waits for the
        // store longer than storeTimeout, and neither write is cancelled: one that lands late is put right then
        return Mono.defer(() -> intent(request))
                .flatMap(intent -> submitter.submit(request)
                        .onErrorResume(e -> notCreated(e) ? markNotCreated(intent, e).then(Mono.error(e))
                                : Mono.error(e)) // outcome unknown: the intent stays, in doubt
                        .flatMap(submission -> recorded(intent, submission)));
    }

    /** The submit's intent, recorded before its request leaves; refused at once while the store's backlog is full. */
    private Mono<Long> intent(GenerationRequest request) {
        TaskStoreException backlog = storeWrites.backlog();
        if (backlog != null) {
            return Mono.error(backlog);
        }
        return storeWrites.wait(store.intent(new TaskStore.Intent(request.family(), request.model(),
                        submitter.json(request), options.trackerOptions().clock().instant())),
                () -> new TaskStoreException(store + " did not record the submit's intent within "
                        + Shown.seconds(options.storeTimeout()) + " (storeTimeout); nothing was sent", null, null),
                this::notSent);
    }

    /**
     * A refused or unsent submit's intent marked as not created. The refusal matters more than its record: when the
     * store does not answer in time the intent stays in doubt until it does, then it is marked.
     */
    private Mono<Void> markNotCreated(long intent, Throwable refusal) {
        return storeWrites.wait(store.notCreated(intent, String.valueOf(refusal.getMessage())),
                        () -> new TaskStoreException("not recorded within " + Shown.seconds(options.storeTimeout()),
                                null, null))
                .onErrorResume(TaskStoreException.class, x -> {
                    log.warn("task store {}: a refused submit (intent {}) was {}", store, intent, x.getMessage());
                    return Mono.empty();
                });
    }

    /** An intent the store recorded after the submit gave up on it: nothing was sent for it, so it is not in doubt. */
    private void notSent(@Nullable Long intent) {
        if (intent != null) {
            store.notCreated(intent, "not sent: the store recorded the intent after storeTimeout").subscribe(null,
                    e -> log.warn("task store {}: an intent recorded after storeTimeout could not be marked as not"
                            + " sent ({})", store, e.toString()));
        }
    }

    /** Store writes of submits not landed or failed yet, waited for or not (for tests). */
    int outstandingWrites() {
        return storeWrites.outstanding();
    }


    /** The API provably created nothing: it refused the request, or the request was never sent. */
    private static boolean notCreated(Throwable e) {
        return e instanceof SubmitRejectedException || e instanceof TransportException;
    }

    private Mono<Submission> recorded(long intent, Submission submission) {
        Engine.Planned planned = engine.plan(submission.ref().withPolicy(submission.policy()), submission.status());
        Duration wait = options.storeTimeout();
        // tracked as soon as the record lands, whoever waits for it then (the submit, or nobody: timed out, cancelled)
        Mono<Void> record = store.submitted(intent, planned.record()).doOnSuccess(v -> {
            if (store.tracking()) {
                planned.start(); // tracked until it ends, subscribed or not
            }
        });
        return storeWrites.wait(record,
                () -> new TaskStoreException("not recorded within " + Shown.seconds(wait) + " (storeTimeout); it is"
                        + " tracked if the store records it later", submission.taskId(), null))
                .onErrorMap(e -> new TaskStoreException("task '" + submission.taskId() + "' (" + submission.family()
                        + ") was created but its id could not be recorded in " + store + ": " + e.getMessage()
                        + "; keep this id", submission.taskId(), e))
                .thenReturn(submission);
    }

    /**
     * Submits, then tracks: the first status is the create call's answer and carries the task id, so an id that was
     * paid for is never lost; then the tracked statuses follow as with {@link #track(TaskRef)}.
     *
     * @param request the generation to submit
     * @return its statuses, the first carrying the task id
     */
    public Flux<TaskStatus> submitAndTrack(GenerationRequest request) {
        return submit(request).flatMapMany(this::track);
    }

    /**
     * Tracks a task from its create call's answer: the first status is {@link Submission#status()}, then the tracked
     * statuses that differ from it, polled with {@link Submission#policy()} (see {@link Submission#withPolicy}).
     * What {@link #submitAndTrack(GenerationRequest)} does once the task is created.
     *
     * @param submission the create call's answer
     * @return the task's statuses
     */
    public Flux<TaskStatus> track(Submission submission) {
        TaskStatus created = submission.status();
        return Flux.concat(Mono.just(created), tracker.track(submission.ref().withPolicy(submission.policy()))
                .skipWhile(st -> !st.differsFrom(created)));
    }

    /**
     * Submits, tracks and captures: as {@link #submitAndTrack(GenerationRequest)}, but a completed status is emitted
     * only once every result of the task is stored by {@code capture} (at {@code capture.directory(taskId)}), so the
     * completed status means "generated and safely stored". If storing fails (or a completed status has no result to
     * store), the flux fails with the {@link CaptureException}, which carries the completed status: task id and URLs
     * are not lost. For the capture events themselves, use {@link ResultCapture#attach(Flux)}.
     *
     * @param request the generation to submit
     * @param capture where its results are stored
     * @return its statuses, the first carrying the task id
     */
    public Flux<TaskStatus> submitAndTrack(GenerationRequest request, ResultCapture capture) {
        Objects.requireNonNull(capture, "capture");
        return capture.attach(submitAndTrack(request)).handle((event, sink) -> {
            if (event instanceof TaskStatus s) {
                sink.next(s);
            } else if (event instanceof CaptureEvent.Failed f) {
                sink.error(f.failure());
            }
        });
    }

    /**
     * Uploads assets to a library. Track each accepted one with {@link #track(TaskRef)} ({@code Processing} until
     * {@code Active}, whose result URL is {@code asset://id}, or {@code Failed}). Sent again only when it provably
     * did not reach the API, as {@link #submit} is.
     *
     * @param request the assets to upload
     * @return the upload's answer
     */
    public Mono<AssetUpload> uploadAssets(AssetRequest request) {
        return submitter.upload(Objects.requireNonNull(request, "request"));
    }

    /**
     * See {@link TaskTracker#track(TaskRef)}.
     *
     * @param task the task
     * @return its statuses
     */
    public Flux<TaskStatus> track(TaskRef task) {
        return tracker.track(task);
    }

    /**
     * See {@link TaskTracker#watch(TaskRef)}: the first poll at once, for a task submitted elsewhere.
     *
     * @param task the task
     * @return its statuses
     */
    public Flux<TaskStatus> watch(TaskRef task) {
        return tracker.watch(task);
    }

    /**
     * The task's current status from one request: no retries, no tracking.
     *
     * @param task the task
     * @return its status
     */
    public Mono<TaskStatus> status(TaskRef task) {
        Objects.requireNonNull(task, "task");
        return sources.get(task.kind().dialect()).fetch(task.id());
    }

    /**
     * Reads a status body of either generation dialect exactly as polls read it (the same decoder, the same
     * {@link ClientOptions#maxResponseBytes() cap}), observed now by the tracker's clock: for callback receivers. A
     * body without a task id gets the id {@value #NO_TASK_ID}.
     *
     * @param body the status body
     * @return the status
     * @throws MalformedResponseException when it is not a status
     * @throws ResponseTooLargeException  when it is over the cap
     */
    public TaskStatus decodeStatus(byte[] body) {
        if (body.length > options.maxResponseBytes()) {
            throw new ResponseTooLargeException(null, options.maxResponseBytes());
        }
        return decoder.decode(NO_TASK_ID, body, options.trackerOptions().clock().instant());
    }

    /** The task id {@link #decodeStatus(byte[])} gives a body that names none. */
    public static final String NO_TASK_ID = "(no task id)";

    /**
     * Where statuses the provider pushes (callbacks) are offered to this client's tracker.
     *
     * @return the tracker's hints
     */
    public StatusHints hints() {
        return tracker.hints();
    }

    /**
     * The connection pool now: connections in use, idle, and requests waiting for one.
     *
     * @return a snapshot
     */
    public PoolStats poolStats() {
        int acquired = 0;
        int idle = 0;
        int pending = 0;
        for (ConnectionPoolMetrics m : poolMetrics.values()) {
            acquired += m.acquiredSize();
            idle += m.idleSize();
            pending += m.pendingAcquireSize();
        }
        return new PoolStats(acquired, idle, pending);
    }

    /**
     * The client's tracker.
     *
     * @return the tracker
     */
    public TaskTracker tracker() {
        return tracker;
    }

    /**
     * The options the client was created with.
     *
     * @return the options
     */
    public ClientOptions options() {
        return options;
    }

    /**
     * Every event of every task this client tracks, from now on: each status change, and the capture's events when
     * {@link ClientOptions#capture()} is set. Hot: each subscriber gets what happens after it subscribed, buffered
     * for it. What {@code taskpoll run} prints.
     *
     * @return the events
     */
    public Flux<TaskEvent> events() {
        return engine.events();
    }

    /**
     * The tasks the store records in {@code phase} (every one when null), newest first; nothing without a durable
     * store. For a task's history, {@link #task(String)}.
     *
     * @param phase the phase, or null for every one
     * @return the records, newest first
     */
    public Flux<TaskRecord> tasks(TaskRecord.@Nullable Phase phase) {
        return store.tasks(phase);
    }

    /**
     * The most recent task recorded with {@code id}, with its history; empty when the store has none. Waits for the
     * store at most {@link ClientOptions#storeTimeout()} (on the tracker's scheduler), then fails with a
     * {@link TaskStoreException}: a store that waits for an unreachable Redis held the caller as long as Redis was down.
     *
     * @param id the task id
     * @return the record, with its history
     */
    public Mono<TaskRecord> task(String id) {
        Objects.requireNonNull(id, "id");
        Duration bound = options.storeTimeout();
        return store.task(id).timeout(bound, Mono.error(() -> new TaskStoreException("task store " + store
                + ": task '" + id + "' not read within " + dev.taskpoll.internal.Shown.duration(bound)
                + " (storeTimeout)", id, null)), options.trackerOptions().scheduler());
    }

    /**
     * Stops tracking (a durable store keeps its open tasks open: they resume when a client opens it again; their
     * subscribers here get a {@link TrackingStoppedException}), closes the task store after committing what was
     * written, then releases the connection pools without waiting; every connection the client opened is closed once
     * its pool is disposed.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        tracker.close();
        store.close();
        if (capture != null) {
            capture.close();
        }
        pool.disposeLater().doFinally(s -> channels.forEach(io.netty.channel.Channel::close)).subscribe();
    }

    /** A connection of the API's pool opened: remembered until it closes; closed at once after {@link #close()}. */
    private void opened(io.netty.channel.Channel channel) {
        channels.add(channel);
        channel.closeFuture().addListener(f -> channels.remove(channel));
        if (closed.get()) {
            channel.close();
        }
    }
}
