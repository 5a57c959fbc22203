package dev.taskpoll.capture;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.spi.ResultHandler;
import dev.taskpoll.spi.TaskStore;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Stores the results of completed tasks before their URLs expire: every result URL of a task to
 * {@code <directory>/<task directory>/<n>.<ext>} (n from 0 in the order of the task's URLs; the extension from the
 * content type, never a name from the server), with its size and SHA-256. See {@link CaptureOptions} for the limits.
 * It times its retries and its expiry warnings with its client's scheduler and clock, the ones tracking uses, so that
 * a warning compares times from one clock.
 *
 * <p>Safe by default: only https (plain http to loopback only when opted in), redirects few and each target checked
 * again, and no credentials: this client has its own connection pool and sends no {@code Authorization} header, so
 * the API key never reaches a result host. A file appears under its final name only complete (written to a hidden
 * temporary file, then renamed atomically); a failed capture leaves no partial file.
 *
 * <pre>{@code
 * ResultCapture capture = ResultCapture.create(client, CaptureOptions.builder(Path.of("out")).build());
 * capture.attach(client.submitAndTrack(request))   // statuses, then Stored events before the completed status
 *        .subscribe(event -> System.out.println(event));
 * }</pre>
 *
 * Thread-safe; one per client is enough. {@link #close()} releases its connection pool.
 */
public final class ResultCapture implements ResultHandler, AutoCloseable {

    private static final Logger log = Loggers.getLogger(ResultCapture.class);

    private final CaptureOptions options;
    private final Scheduler scheduler;
    private final Clock clock;
    private final TaskStore store;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private final Permits permits;
    /** Downloads with a partial file open: {@link #close()} removes their files. */
    private final java.util.Set<Download> active = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** How long a pooled connection to a result host may sit idle before it is closed, not reused. */
    private static final Duration MAX_IDLE = Duration.ofSeconds(45);

    private ResultCapture(CaptureOptions options, Scheduler scheduler, Clock clock, TaskStore store,
                          java.util.List<java.security.cert.X509Certificate> trusted) {
        this.options = options;
        this.scheduler = scheduler;
        this.clock = clock;
        // a store that only records (another process tracks its tasks) is not told of the files stored here: the tasks
        // this client tracks are not in it, and those it submitted are the tracker's to capture and record
        this.store = store.durable() && store.tracking() ? store : TaskStore.none();
        // a connection idle for 45 s is closed, not reused: as the API's pool (ClientOptions.maxIdleTime), for the
        // same reason (a NAT or a load balancer may have dropped it); a download is retried, but only after its
        // readTimeout
        this.pool = ConnectionProvider.builder("taskpoll-results").maxConnections(options.concurrency() * 2)
                .pendingAcquireMaxCount(-1).maxIdleTime(MAX_IDLE)
                .evictInBackground(MAX_IDLE, reactor.core.scheduler.Schedulers.parallel()).build();
        // the TLS context built now, on the caller's thread (a trust store is read from a file: never on an event
        // loop); given certificates are the only anchors, and the host name is always verified; the JDK's TLS, as the
        // client's by default, whatever Netty finds on the class path
        reactor.netty.http.Http11SslContextSpec tls = reactor.netty.http.Http11SslContextSpec.forClient()
                .configure(b -> {
                    b.sslProvider(io.netty.handler.ssl.SslProvider.JDK);
                    if (!trusted.isEmpty()) {
                        b.trustManager(trusted);
                    }
                });
        HttpClient base = HttpClient.create(pool).secure(spec -> spec.sslContext(tls));
        this.http = base
                .followRedirect(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .responseTimeout(options.readTimeout())
                .doOnConnected(c -> c.addHandlerLast(new io.netty.handler.timeout.ReadTimeoutHandler(
                        options.readTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)));
        this.permits = new Permits(options.concurrency());
    }

    /**
     * A capture for the tasks of {@code client}: on its scheduler and clock.
     *
     * @param client  the client whose tasks are captured
     * @param options how results are captured
     * @return the capture
     */
    public static ResultCapture create(TaskpollClient client, CaptureOptions options) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(options, "options");
        return new ResultCapture(options, client.options().trackerOptions().scheduler(),
                client.options().trackerOptions().clock(), client.options().trackerOptions().store(),
                options.trustedCertificates().isEmpty() ? client.options().trustedCertificates()
                        : options.trustedCertificates());
    }

    /**
     * How results are captured.
     *
     * @return the options
     */
    public CaptureOptions options() {
        return options;
    }

    /**
     * Where a task's files go: {@code <directory>/<the task's directory name>}.
     *
     * @param taskId the task
     * @return the directory
     */
    public Path directory(String taskId) {
        return options.directory().resolve(directoryName(taskId));
    }

    static String directoryName(String taskId) {
        return TaskDirectory.name(taskId);
    }

    /**
     * Whether {@link #capture(TaskStatus)} takes this status: a completed one with at least one result URL.
     *
     * @param status the status
     * @return true if it can be captured
     */
    public static boolean canCapture(TaskStatus status) {
        return status.state() == TaskState.COMPLETED && !status.resultUrls().isEmpty();
    }

    /**
     * The one way to put capture behind tracking: every status of {@code statuses} is passed on, and a completed one
     * is passed on only after its results are stored, preceded by a {@link CaptureEvent.Stored} for each file (and
     * an {@link CaptureEvent.ExpiryWarning} if it is late; each file recorded in the client's durable store, when it
     * records the task and the client tracks the store's tasks: not with a store opened to record only). When they cannot all be stored, or a completed status has
     * no result URL to store, a {@link CaptureEvent.Failed} comes first and the completed status still follows: a paid
     * result never ends silently, and its URLs are not lost. Errors of {@code statuses} pass through.
     *
     * @param statuses the statuses of tasks
     * @return the statuses and the capture's events
     */
    public Flux<TaskEvent> attach(Flux<TaskStatus> statuses) {
        Objects.requireNonNull(statuses, "statuses");
        return statuses.concatMap(s -> {
            if (s.state() != TaskState.COMPLETED) {
                return Mono.just(s);
            }
            if (s.resultUrls().isEmpty()) {
                CaptureException none = new CaptureException(s.taskId(), "(no URL)", "completed without a result"
                        + " URL to store (status '" + s.rawStatus() + "')", false, s, null);
                return Flux.just(new CaptureEvent.Failed(s.taskId(), none), s);
            }
            // the files recorded in the client's durable store when it records the task, as the client's hook
            // records them (taskpoll tasks then lists them); the task's record read once, for its kind
            Mono<TaskRef> ref = store.durable()
                    ? store.task(s.taskId()).map(r -> TaskRef.of(s.taskId(), r.kind())).cache() : Mono.empty();
            return capture(s)
                    .concatMap(e -> e instanceof CaptureEvent.Stored st
                            ? ref.flatMap(r -> store.captured(r, storedFile(st))).thenReturn(e)
                            // a file stored but not recorded: said as the hook says it, and the status still follows
                            .onErrorMap(err -> !(err instanceof CaptureException), err -> new CaptureException(
                                    s.taskId(), "(local)", "result capture failed: " + err, false, s, err))
                            : Mono.just(e))
                    .<TaskEvent>map(e -> e)
                    .onErrorResume(CaptureException.class, e -> Mono.just(new CaptureEvent.Failed(s.taskId(), e)))
                    .concatWith(Mono.just(s));
        });
    }

    private static StoredFile storedFile(CaptureEvent.Stored s) {
        return new StoredFile(s.index(), s.path().toString(), s.size(), s.sha256());
    }

    /**
     * When a completed status's URLs expire: {@code urlLifetime} after the task completed, when the provider said when
     * (a task tracked long after it ended: its status is observed late, its URLs are as old as its end), else after
     * the status was observed.
     */
    private Instant expiry(TaskStatus status) {
        Instant done = status.completedAt();
        // only a completion after the task's creation and before the status: a 0 for "unknown" would read 1970
        boolean plausible = done != null && status.createdAt() != null && !done.isBefore(status.createdAt())
                && done.isBefore(status.observedAt());
        return (plausible ? done : status.observedAt()).plus(options.urlLifetime());
    }

    /**
     * The client's hook (see {@link ClientOptions.Builder#capture}): stores the results of a task that just completed,
     * records each file in the client's task store (unless the store only records), and reports what happened as events; never fails (a failure is a
     * {@link CaptureEvent.Failed}). Idempotent: a result the store already records, whose file is there with its size,
     * is not fetched again (a task resumed after a crash). URLs past their lifetime ({@link CaptureOptions#urlLifetime()}
     * after the task completed, as the provider said, else after the status was observed) are not fetched: the failure
     * says when they expired.
     */
    @Override
    public Flux<TaskEvent> completed(TaskRef task, TaskStatus status) {
        if (status.resultUrls().isEmpty()) {
            return Flux.just(failed(status, "(no URL)", "completed without a result URL to store (status '"
                    + status.rawStatus() + "')"));
        }
        Instant expiresAt = expiry(status);
        if (!clock.instant().isBefore(expiresAt)) {
            return Flux.just(failed(status, "(expired)", "result URL expired at " + expiresAt));
        }
        return store.task(task.id())
                .map(TaskRecord::files)
                .defaultIfEmpty(List.of())
                .flatMap(this::alreadyStored)
                .flatMapMany(done -> capture(status, done)
                        .concatMap(e -> e instanceof CaptureEvent.Stored s
                                ? store.captured(task, storedFile(s)).thenReturn(e) : Mono.just(e)))
                .<TaskEvent>map(e -> e)
                .onErrorResume(CaptureException.class, e -> Mono.just(new CaptureEvent.Failed(status.taskId(), e)))
                .onErrorResume(e -> !(e instanceof CaptureException), e -> Mono.just(failed(status, "(local)",
                        "result capture failed: " + e)));
    }

    private CaptureEvent.Failed failed(TaskStatus status, String host, String reason) {
        return new CaptureEvent.Failed(status.taskId(), new CaptureException(status.taskId(), host, reason, false,
                status, null));
    }

    /** The indexes whose recorded file is still there with its recorded size (checked off the event loop). */
    private Mono<Set<Integer>> alreadyStored(List<StoredFile> files) {
        if (files.isEmpty()) {
            return Mono.just(Set.of());
        }
        return Mono.fromCallable(() -> {
            Set<Integer> done = new HashSet<>();
            for (StoredFile f : files) {
                Path p = Path.of(f.path());
                if (Files.isRegularFile(p) && Files.size(p) == f.size()) {
                    done.add(f.index());
                }
            }
            return done;
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /**
     * Downloads every result URL of a completed status, one file after another (at most
     * {@link CaptureOptions#concurrency()} downloads at once across all captures), emitting a
     * {@link CaptureEvent.Stored} for each and an {@link CaptureEvent.ExpiryWarning} if it is still running close to
     * the URLs' expiry; completes when all are stored. Fails with {@link CaptureException} (task id, host, reason)
     * for the first file that could not be stored; files already stored stay. A status that is not completed, or
     * has no URL, is refused with {@link IllegalArgumentException}.
     *
     * @param status a completed status with at least one result URL
     * @return an event for each file stored
     */
    public Flux<CaptureEvent> capture(TaskStatus status) {
        return capture(status, Set.of());
    }

    /** As {@link #capture(TaskStatus)}, leaving out the results at {@code skip}. */
    private Flux<CaptureEvent> capture(TaskStatus status, Set<Integer> skip) {
        Objects.requireNonNull(status, "status");
        if (!canCapture(status)) {
            return Flux.error(new IllegalArgumentException("capture: task '" + status.taskId() + "' is "
                    + status.state() + " with " + status.resultUrls().size() + " result URLs; only a completed task"
                    + " with results can be captured"));
        }
        return Flux.defer(() -> {
            Instant expiresAt = expiry(status);
            AtomicBoolean done = new AtomicBoolean();
            Flux<CaptureEvent> warning = warning(status.taskId(), expiresAt, done);
            Flux<CaptureEvent> files = Flux.range(0, status.resultUrls().size())
                    .filter(i -> !skip.contains(i))
                    .concatMap(i -> permits.acquire().then(download(status, i)
                            .doFinally(s -> permits.release())))
                    .doFinally(s -> done.set(true));
            return files.publish(shared -> Flux.merge(shared, warning.takeUntilOther(
                            shared.then(Mono.just(1)).onErrorReturn(1))))
                    .onErrorMap(CaptureException.class, e -> e.withLastStatus(status));
        });
    }

    private Mono<CaptureEvent> download(TaskStatus status, int i) {
        URI uri;
        try {
            uri = URI.create(status.resultUrls().get(i));
        } catch (IllegalArgumentException e) {
            return Mono.error(new CaptureException(status.taskId(), "(invalid URL)", "result URL " + i
                    + " is not a valid URI", false, null, null));
        }
        return new Download(http, options, scheduler, status.taskId(), i, uri, active).run()
                .doOnNext(s -> log.debug("task '{}': result {} stored at {} ({} bytes)", s.taskId(), s.index(),
                        s.path(), s.size()))
                .cast(CaptureEvent.class);
    }

    /** The warning, timed on the scheduler against the same clock the status's {@code observedAt} came from. */
    private Flux<CaptureEvent> warning(String taskId, Instant expiresAt, AtomicBoolean done) {
        long now = clock.millis();
        long warnAt = expiresAt.minus(options.expiryWarning()).toEpochMilli();
        return Mono.delay(Duration.ofMillis(Math.max(0, warnAt - now)), scheduler)
                .filter(t -> !done.get())
                .map(t -> {
                    log.warn("task '{}': results still not stored; its URLs expire at {}", taskId, expiresAt);
                    return (CaptureEvent) new CaptureEvent.ExpiryWarning(taskId, expiresAt);
                })
                .flux();
    }

    /**
     * Releases the connection pool and deletes the partial file of every download still running, at once, on the
     * calling thread (it blocks: call it from the thread that stops the application, as a shutdown hook does, never
     * from an event loop). A result cut off this way is fetched again, from its start, by the next capture of its task;
     * one cut off by a {@code kill -9} leaves its partial file, which the next capture of the task deletes first.
     */
    @Override
    public void close() {
        for (Download d : List.copyOf(active)) {
            try {
                d.abandon();
            } catch (java.io.IOException e) {
                log.warn("task '{}': could not remove a partial result file ({})", d, e.toString());
            }
        }
        pool.disposeLater().subscribe();
    }

    /** A FIFO of at most n holders, without blocking: waiters get a permit when one is released. */
    private static final class Permits {
        private int free;
        private final ArrayDeque<MonoSink<Void>> waiting = new ArrayDeque<>();

        Permits(int n) {
            this.free = n;
        }

        Mono<Void> acquire() {
            return Mono.create(sink -> {
                boolean now;
                synchronized (this) {
                    now = free > 0;
                    if (now) {
                        free--;
                    } else {
                        waiting.add(sink);
                    }
                }
                if (now) {
                    sink.success();
                } else {
                    sink.onCancel(() -> {
                        boolean removed;
                        synchronized (this) {
                            removed = waiting.remove(sink);
                        }
                        if (!removed) {
                            release(); // granted while being cancelled: the grant was dropped, give it back
                        }
                    });
                }
            });
        }

        void release() {
            MonoSink<Void> next;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) {
                    free++;
                    return;
                }
            }
            next.success();
        }
    }
}
