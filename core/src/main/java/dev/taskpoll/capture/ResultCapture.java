package dev.taskpoll.capture;

import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.internal.PathSegment;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Stores the results of completed tasks before their URLs expire: every result URL of a task to
 * {@code <directory>/<task id>/<n>.<ext>} (n from 0 in the order of the task's URLs; the extension from the content
 * type, never a name from the server), with its size and SHA-256. See {@link CaptureOptions} for the limits.
 *
 * <p>Safe by default: only https (plain http to loopback only when opted in), redirects few and each target checked
 * again, and no credentials: this client has its own connection pool and sends no {@code Authorization} header, so
 * the API key never reaches a result host. A file appears under its final name only complete (written to a hidden
 * temporary file, then renamed atomically); a failed capture leaves no partial file.
 *
 * <pre>{@code
 * ResultCapture capture = ResultCapture.create(CaptureOptions.builder(Path.of("out")).build());
 * client.submitAndTrack(request, capture)          // the completed status comes once its files are stored
 *       .subscribe(s -> System.out.println(s.state() + " -> " + capture.directory(s.taskId())));
 * }</pre>
 *
 * Thread-safe; one per application is enough. {@link #close()} releases its connection pool.
 */
public final class ResultCapture implements AutoCloseable {

    private static final Logger log = Loggers.getLogger(ResultCapture.class);

    private final CaptureOptions options;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private final Permits permits;

    private ResultCapture(CaptureOptions options) {
        this.options = options;
        this.pool = ConnectionProvider.builder("taskpoll-results").maxConnections(options.concurrency() * 2)
                .pendingAcquireMaxCount(-1).build();
        this.http = HttpClient.create(pool)
                .followRedirect(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .responseTimeout(options.readTimeout())
                .doOnConnected(c -> c.addHandlerLast(new io.netty.handler.timeout.ReadTimeoutHandler(
                        options.readTimeout().toMillis(), TimeUnit.MILLISECONDS)));
        this.permits = new Permits(options.concurrency());
    }

    public static ResultCapture create(CaptureOptions options) {
        return new ResultCapture(Objects.requireNonNull(options, "options"));
    }

    public CaptureOptions options() {
        return options;
    }

    /** Where a task's files go: {@code <directory>/<task id, percent-encoded as one path segment>}. */
    public Path directory(String taskId) {
        return options.directory().resolve(directoryName(taskId));
    }

    static String directoryName(String taskId) {
        String name = PathSegment.encode(taskId);
        return name.isEmpty() || name.equals(".") || name.equals("..") ? "%2E" + name : name;
    }

    /** Whether {@link #capture(TaskStatus)} takes this status: a completed one with at least one result URL. */
    public static boolean canCapture(TaskStatus status) {
        return status.state() == TaskState.COMPLETED && !status.resultUrls().isEmpty();
    }

    /**
     * Downloads every result URL of a completed status, one file after another (at most
     * {@link CaptureOptions#concurrency()} downloads at once across all captures), emitting a
     * {@link CaptureEvent.Stored} for each and an {@link CaptureEvent.ExpiryWarning} if it is still running close to
     * the URLs' expiry; completes when all are stored. Fails with {@link CaptureException} (task id, host, reason)
     * for the first file that could not be stored; files already stored stay. A status that is not completed, or
     * has no URL, is refused with {@link IllegalArgumentException}.
     */
    public Flux<CaptureEvent> capture(TaskStatus status) {
        Objects.requireNonNull(status, "status");
        if (!canCapture(status)) {
            return Flux.error(new IllegalArgumentException("capture: task '" + status.taskId() + "' is "
                    + status.state() + " with " + status.resultUrls().size() + " result URLs; only a completed task"
                    + " with results can be captured"));
        }
        return Flux.defer(() -> {
            Instant expiresAt = status.observedAt().plus(options.urlLifetime());
            AtomicBoolean done = new AtomicBoolean();
            Flux<CaptureEvent> warning = warning(status.taskId(), expiresAt, done);
            Flux<CaptureEvent> files = Flux.range(0, status.resultUrls().size())
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
        return new Download(http, options, status.taskId(), i, uri).run()
                .doOnNext(s -> log.debug("task '{}': result {} stored at {} ({} bytes)", s.taskId(), s.index(),
                        s.path(), s.size()))
                .cast(CaptureEvent.class);
    }

    private Flux<CaptureEvent> warning(String taskId, Instant expiresAt, AtomicBoolean done) {
        long now = options.scheduler().now(TimeUnit.MILLISECONDS);
        long warnAt = expiresAt.minus(options.expiryWarning()).toEpochMilli();
        return Mono.delay(Duration.ofMillis(Math.max(0, warnAt - now)), options.scheduler())
                .filter(t -> !done.get())
                .map(t -> {
                    log.warn("task '{}': results still not stored; its URLs expire at {}", taskId, expiresAt);
                    return (CaptureEvent) new CaptureEvent.ExpiryWarning(taskId, expiresAt);
                })
                .flux();
    }

    @Override
    public void close() {
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
