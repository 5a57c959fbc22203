package dev.taskpoll.capture;

import dev.taskpoll.TransportException;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.PrematureCloseException;
import reactor.util.retry.Retry;

/**
 * One result URL to one file: streamed from the response body into a {@link FileChannel}, SHA-256 and size counted on
 * the way, a byte cap checked before each write, retried with {@code Range} from the bytes already written, then
 * renamed into place. Every file system call (directories, open, each write, rename, delete) runs on
 * {@link Schedulers#boundedElastic()}, never on an event loop. An {@code AsynchronousFileChannel} opened without an
 * executor would hand each write to the JDK's own cached pool from the event loop, whose {@code execute} can wait on
 * that pool's lock (BlockHound caught it about once in twelve runs of {@code PromptPipelineTest}).
 */
final class Download {

    /**
     * The slowest an attempt may bring data once its read timeout has passed, on average since it began: 1 KiB/s
     * (a 10 MB video would take almost 3 hours). Below it the attempt is given up and tried again from where it
     * stopped.
     */
    static final int MIN_BYTES_PER_SECOND = 1024;

    /** How far past its furthest point an attempt must take the file for its failure not to count against the rest. */
    static final long PROGRESS = 256 * 1024;

    private final HttpClient http;
    private final CaptureOptions options;
    private final Scheduler scheduler;
    private final String taskId;
    private final int index;
    private final URI start;
    private final Path dir;
    /** The partial file: named when the download starts (on a blocking thread: the name reads /proc). */
    private volatile @Nullable Path temp;

    // one attempt at a time (retryWhen resubscribes after the previous attempt ended)
    private @Nullable FileChannel channel;
    private MessageDigest digest = sha256();
    private long written;
    /** The whole file's size, once an answer said it (a 200's length, a 206's total); -1 until then. */
    private long total = -1;
    /** Attempts failed so far, and in a row without progress; the furthest the file reached. */
    private int attempts;
    private int inARow;
    private long furthest;
    /** When this answer's headers came ({@link System#nanoTime()}) and the bytes written before its body. */
    private long attemptAt;
    private long attemptFrom;
    private String contentType = "application/octet-stream";
    private String host;

    private final java.util.Set<Download> active;

    Download(HttpClient http, CaptureOptions options, Scheduler scheduler, String taskId, int index, URI start,
             java.util.Set<Download> active) {
        this.active = active;
        this.http = http;
        this.options = options;
        this.scheduler = scheduler;
        this.taskId = taskId;
        this.index = index;
        this.start = start;
        this.host = hostOf(start);
        this.dir = options.directory().resolve(ResultCapture.directoryName(taskId));
    }

    Mono<CaptureEvent.Stored> run() {
        return Mono.defer(() -> {
            String refused = UrlPolicy.check(start, options);
            if (refused != null) {
                return Mono.error(permanent(refused, null));
            }
            return blocking(() -> {
                Files.createDirectories(dir);
                Path t = dir.resolve(prefix() + Writer.ID + "-" + Long.toHexString(ThreadLocalRandom.current()
                        .nextLong()));
                temp = t;
                channel = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                active.add(this); // from here a close() deletes it
                removeLeftovers(t);
                return true;
            }).then(Mono.defer(() -> fetch(start, 0)).retryWhen(Retry.from(failures -> failures.concatMap(this::retry)))
                            // a host that brings data just fast enough, attempt after attempt, held a download slot
                            // for days (2 GiB at 1 KiB/s) while other tasks' URLs expired
                            .timeout(options.downloadTimeout(), Mono.defer(() -> Mono.error(transientFailure(
                                    "the download took longer than " + minutes(options.downloadTimeout())
                                    + " (capture.downloadTimeout), about " + written + " bytes of "
                                    + (total < 0 ? "an unknown size" : total) + " written", null))), scheduler))
                    .then(Mono.defer(this::commit))
                    .onErrorResume(e -> cleanup().then(Mono.error(e instanceof CaptureException ? e
                            : permanent("local storage: " + e.getClass().getSimpleName(), e))))
                    .doOnCancel(() -> cleanup().subscribe());
        });
    }

    /**
     * After a failed attempt: the wait before the next (500 ms doubling to 10 s, ±50%), or the failure that ends the
     * download.
     * {@code maxAttempts} counts the attempts in a row that did not move the file on by {@link #PROGRESS} bytes past the
     * furthest it reached: a host that serves a large file in short ranges (a CDN capping each answer) goes on while
     * it serves, and one that drips or cuts early does not.
     */
    private Mono<Long> retry(Retry.RetrySignal signal) {
        Throwable e = signal.failure();
        if (!(e instanceof CaptureException c && c.isTransient())) {
            return Mono.error(e);
        }
        attempts++;
        if (written >= furthest + PROGRESS) {
            inARow = 0;
        }
        furthest = Math.max(furthest, written);
        inARow++;
        if (inARow >= options.maxAttempts()) {
            return Mono.error(transientFailure(c.reason() + "; tried " + options.maxAttempts() + " times"
                    + (attempts > inARow ? " in a row without progress (" + attempts + " attempts in all)" : ""),
                    c.getCause()));
        }
        // ±50% jitter, as Reactor's back-off had: downloads cut together do not all come back together
        long base = Math.min(10_000L, 500L << Math.min(inARow - 1, 10));
        return Mono.delay(Duration.ofMillis((long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()))),
                scheduler);
    }

    private Mono<Void> fetch(URI uri, int redirects) {
        host = hostOf(uri);
        long from = written;
        return http.headers(h -> {
                    if (from > 0) {
                        h.set(HttpHeaderNames.RANGE, "bytes=" + from + "-");
                    }
                })
                .get().uri(uri)
                .response((res, body) -> answer(uri, redirects, res, body))
                .then()
                .onErrorMap(e -> !(e instanceof CaptureException), this::classify);
    }

    private reactor.core.publisher.Flux<Void> answer(URI uri, int redirects, HttpClientResponse res, ByteBufFlux body) {
        int code = res.status().code();
        if (code >= 300 && code < 400 && res.responseHeaders().contains(HttpHeaderNames.LOCATION)) {
            if (redirects >= options.maxRedirects()) {
                return reactor.core.publisher.Flux.error(permanent("more than " + options.maxRedirects()
                        + " redirects", null));
            }
            URI next;
            try {
                next = uri.resolve(res.responseHeaders().get(HttpHeaderNames.LOCATION));
            } catch (IllegalArgumentException e) {
                return reactor.core.publisher.Flux.error(permanent("redirect to an invalid location", null));
            }
            String refused = UrlPolicy.check(next, options);
            if (refused != null) {
                return reactor.core.publisher.Flux.error(permanent("redirect to " + hostOf(next) + " refused: "
                        + refused, null));
            }
            return drained(body).then(fetch(next, redirects + 1)).flux();
        }
        if (code == 200 || code == 206) {
            if (code == 206 && !rangeStartsAt(res.responseHeaders().get(HttpHeaderNames.CONTENT_RANGE), written)) {
                return drained(body).then(restart()).then(Mono.<Void>error(transientFailure("range answer did not match",
                        null))).flux();
            }
            long length = contentLength(res.responseHeaders().get(HttpHeaderNames.CONTENT_LENGTH));
            long whole = code == 200 ? length : rangeTotal(res.responseHeaders().get(HttpHeaderNames.CONTENT_RANGE));
            if (code == 206 && whole >= 0 && total >= 0 && whole != total) {
                // another object than the one begun (its size changed): what was written is not its start
                long before = total;
                total = -1;
                return drained(body).then(restart()).then(Mono.<Void>error(transientFailure("the result changed between"
                        + " attempts (" + before + " then " + whole + " bytes)", null))).flux();
            }
            if (whole >= 0) {
                total = whole;
            }
            // the slowest-rate rule counts this answer's body from its headers and from the bytes it starts after
            attemptAt = System.nanoTime();
            attemptFrom = code == 200 ? 0 : written;
            Mono<Void> reset = code == 200 && written > 0 ? restart() : Mono.empty();
            if (length >= 0 && (code == 200 ? 0 : written) + length > options.maxBytes()) {
                return reactor.core.publisher.Flux.error(tooLarge()); // not read: the connection is closed
            }
            String type = res.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE);
            if (type != null) {
                contentType = type;
            }
            // a range answer ends where the file does (its total), not where the range does: a shorter range leaves
            // the rest to the next attempt, from where it stopped
            long expectedEnd = code == 206 && whole >= 0 ? whole : code == 206 && total >= 0 ? total
                    : length < 0 ? -1 : (code == 200 ? 0 : written) + length;
            return reset.thenMany(body.retain().concatMap(this::write, 1)
                            .doOnDiscard(ByteBuf.class, ByteBuf::release)) // buffers received, never written
                    .then(Mono.defer(() -> expectedEnd >= 0 && written != expectedEnd
                            ? Mono.<Void>error(transientFailure("body ended after " + written + " of " + expectedEnd
                            + " bytes", null)) : Mono.<Void>empty()))
                    .flux();
        }
        String reason = code == 410 ? "URL expired (HTTP 410)" : code == 403 ? "forbidden (HTTP 403): expired or bad"
                + " signature" : "HTTP " + code;
        boolean retry = code == 408 || code == 429 || code >= 500;
        return reactor.core.publisher.Flux.error(retry ? transientFailure(reason, null) : permanent(reason, null));
    }

    /**
     * Writes one buffer at the current position, all of it, on {@code boundedElastic}. The digest and the position
     * move only once the write completed: if the download is cancelled meanwhile (the body failed), the next attempt
     * resumes from the bytes really counted. The buffer is released once the write has run, never before, even if
     * cancelled: the scheduled write is not withdrawn, so it always runs and always releases.
     */
    private Mono<Void> write(ByteBuf buf) {
        int n = buf.readableBytes();
        if (written + n > options.maxBytes()) {
            buf.release();
            return Mono.error(tooLarge());
        }
        long elapsed = System.nanoTime() - attemptAt;
        if (elapsed > options.readTimeout().toNanos()
                && (written + n - attemptFrom) * 1_000_000_000.0 / elapsed < MIN_BYTES_PER_SECOND) {
            // data every so often, each gap within the read timeout, which bounds the wait between reads only: a host
            // dripping a byte at a time would hold the download (and a capture slot) for ever
            buf.release();
            return Mono.error(transientFailure("the download is too slow: " + (written + n - attemptFrom)
                    + " bytes in " + seconds(Duration.ofNanos(elapsed)) + " (under " + MIN_BYTES_PER_SECOND
                    + " bytes/s once the read timeout has passed)", null));
        }
        ByteBuffer nio = buf.nioBuffer();
        ByteBuffer forDigest = nio.duplicate();
        FileChannel ch = channel;
        long at = written;
        return Mono.<Void>create(sink -> {
                    try {
                        Schedulers.boundedElastic().schedule(() -> writeFully(ch, nio, at, sink, buf));
                    } catch (RejectedExecutionException e) {
                        buf.release();
                        sink.error(e);
                    }
                })
                // a write that fails is this machine's storage (a full disk), not the result's host: no use fetching
                // the result again, and the message says where the fault is
                .onErrorMap(IOException.class, e -> localStorage("could not write to", e))
                .doOnSuccess(v -> {
                    digest.update(forDigest); // runs inside sink.success, before the buffer is released
                    written += n;
                });
    }

    /**
     * A body thrown away (a redirect's, a range answer that does not fit): read up to 64 KiB, so that a short one lets
     * the connection be reused; a longer one is not read to its end (the connection is closed instead), so that a host
     * answering with the whole file, or without end, costs nothing more.
     */
    static Mono<Void> drained(reactor.core.publisher.Flux<? extends io.netty.buffer.ByteBuf> body) {
        java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
        return body.takeUntil(b -> seen.addAndGet(b.readableBytes()) >= DRAIN_LIMIT).then();
    }

    /** The most of a thrown-away body read before its connection is closed instead. */
    static final int DRAIN_LIMIT = 64 * 1024;

    private static void writeFully(FileChannel ch, ByteBuffer src, long at, reactor.core.publisher.MonoSink<Void> sink,
                                   ByteBuf owner) {
        try {
            long position = at;
            while (src.hasRemaining()) {
                position += ch.write(src, position);
            }
            sink.success();
        } catch (IOException | RuntimeException e) {
            sink.error(e);
        } finally {
            owner.release();
        }
    }

    /**
     * Flushes a directory's entries (a rename in it) to the disk: without it a power loss after the store recorded the
     * file could lose the rename. Where a directory cannot be opened for that (not Linux), nothing is done.
     */
    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform lets a directory be opened or forced; the file itself was forced before the rename
        }
    }

    /** The server sent the whole file again (or a range we did not ask for): start over. */
    private Mono<Void> restart() {
        return blocking(() -> {
            channel.truncate(0);
            return true;
        }).doOnSuccess(v -> {
            written = 0;
            digest = sha256();
        }).then();
    }

    private Mono<CaptureEvent.Stored> commit() {
        String ext = Extensions.of(contentType);
        Path target = dir.resolve(index + "." + ext);
        String sha = HexFormat.of().formatHex(digest.digest());
        long size = written;
        return blocking(() -> {
            channel.force(true);
            channel.close();
            channel = null;
            active.remove(this);
            Path t = Objects.requireNonNull(temp, "temp");
            try {
                Files.move(t, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(t, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir); // the rename itself durable before the store records the file as stored
            return new CaptureEvent.Stored(taskId, index, target, size, sha, contentType, host);
        }).onErrorMap(IOException.class, e -> localStorage("could not store the file in", e));
    }

    private Mono<Void> cleanup() {
        return blocking(() -> {
            abandon();
            return true;
        }).onErrorResume(e -> Mono.empty()).then();
    }

    /**
     * Closes and deletes the partial file, at once, on the calling thread: what a cancel does (on boundedElastic),
     * and what {@link ResultCapture#close()} does for every download still running when the process is stopping, so
     * that a stop leaves no partial file behind. Idempotent.
     */
    synchronized void abandon() throws IOException {
        active.remove(this);
        FileChannel ch = channel;
        channel = null;
        if (ch != null) {
            ch.close();
        }
        Path t = temp;
        if (t != null) {
            Files.deleteIfExists(t);
        }
    }

    @Override
    public String toString() {
        return "download of task '" + taskId + "' result " + index;
    }

    /** How this result's partial files are named: {@code .<index>.part-<writer>-<random>}. */
    private String prefix() {
        return "." + index + ".part-";
    }

    /**
     * Partial files of this result left by a process that was killed mid-download ({@code kill -9} runs no clean-up):
     * deleted before the result is fetched again from its start. Only files whose writer is gone: on this host (same
     * boot and pid namespace), one whose process is no longer running (its pid gone, or another process's: the start
     * time, in clock ticks since boot, differs); from elsewhere (another host or container sharing the directory),
     * one nobody has written to for longer than a download's whole retry cycle ({@link #retryCycle()}). A live
     * writer's file stays, however long it has been idle: in cluster mode an instance paused while another took its
     * task over goes on with it when it resumes (deleting it failed that instance's move with
     * "local storage: NoSuchFileException").
     */
    private void removeLeftovers(Path mine) throws IOException {
        // the file system's own clock, read from the file just created: right on a shared volume too
        long now = Files.getLastModifiedTime(mine).toMillis();
        long idleLimit = retryCycle().toMillis();
        String prefix = prefix();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith(prefix) && !f.equals(mine))
                    .toList()) {
                String writer = p.getFileName().toString().substring(prefix.length());
                Boolean gone = Writer.goneFromHere(writer);
                boolean remove;
                if (gone != null) {
                    remove = gone;
                } else {
                    try {
                        remove = now - Files.getLastModifiedTime(p).toMillis() > idleLimit;
                    } catch (java.nio.file.NoSuchFileException deleted) {
                        continue;
                    }
                }
                if (remove) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * The longest a live download may leave its file unwritten: every attempt waiting its whole connect and read
     * timeouts, and the longest back-off (10 s) between them.
     */
    private Duration retryCycle() {
        return options.connectTimeout().plus(options.readTimeout()).plusSeconds(10).multipliedBy(options.maxAttempts());
    }

    /** Who writes this process's partial files, and whether the writer of another's is gone. */
    static final class Writer {
        private static final long PID = ProcessHandle.current().pid();
        /** This process's start, in clock ticks after boot, or -1 where the OS does not tell. */
        private static final long STARTED = startTicks(PID);
        /** This host's boot id and this process's pid namespace (Linux), or "" where the OS does not tell. */
        static final String HOST = STARTED < 0 ? "" : host();
        /** {@code <host>.<pid>.<start>}; a random token where the OS does not tell. */
        static final String ID = HOST.isEmpty() ? "x" + Long.toHexString(ThreadLocalRandom.current().nextLong())
                : HOST + "." + PID + "." + STARTED;

        private Writer() {
        }

        /**
         * Whether {@code name} (the part of a partial file's name after {@code .part-}) was written by a process that
         * is gone: true or false for a writer of this host and pid namespace, null for one from elsewhere or unknown
         * (then only its file's age tells).
         */
        static @Nullable Boolean goneFromHere(String name) {
            String[] parts = name.split("[.-]");
            if (HOST.isEmpty() || parts.length < 4 || !parts[0].equals(HOST)) {
                return null;
            }
            try {
                long pid = Long.parseLong(parts[1]);
                long started = Long.parseLong(parts[2]);
                return started < 0 || startTicks(pid) != started;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /**
         * When process {@code pid} started, in clock ticks after boot ({@code /proc/<pid>/stat}, field 22: unlike a
         * wall-clock time it does not move when the clock is set), or -1 when no such process runs.
         */
        static long startTicks(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                // the command name (field 2) is in parentheses and may hold spaces: count fields after its end
                String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(after[19]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        /** The boot id and the pid namespace: pids mean the same process only within both. */
        private static String host() {
            try {
                String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip().replace("-", "");
                String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().replaceAll("[^0-9]", "");
                return ns.isEmpty() ? "" : boot + ns;
            } catch (IOException | RuntimeException e) {
                return "";
            }
        }
    }

    private CaptureException classify(Throwable e) {
        if (TransportException.certificateRefused(e)) {
            return permanent("the certificate of " + host + " is not trusted (" + e.getMessage() + ")", e);
        }
        if (e instanceof io.netty.handler.timeout.ReadTimeoutException || e instanceof TimeoutException) {
            return transientFailure("the download stalled: no data for " + seconds(options.readTimeout()), e);
        }
        if (e instanceof PrematureCloseException || e instanceof IOException) {
            return transientFailure(e instanceof PrematureCloseException ? "connection closed before the body ended"
                    : e.getClass().getSimpleName(), e);
        }
        return permanent(e.getClass().getSimpleName(), e);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** {@code 60 min}, {@code 90 s}: whole minutes as minutes. */
    private static String minutes(Duration d) {
        return d.toMillis() % 60_000 == 0 ? d.toMinutes() + " min" : seconds(d);
    }

    private CaptureException tooLarge() {
        return permanent("larger than the cap of " + options.maxBytes() + " bytes", null);
    }

    /** A failure of this machine's storage (a full disk), named so: not the result host's, and not fetched again. */
    private CaptureException localStorage(String what, IOException e) {
        return permanent(what + " " + dir + " (" + e.getMessage() + "): local storage, not the result's host", e);
    }

    private CaptureException permanent(String reason, @Nullable Throwable cause) {
        return new CaptureException(taskId, host, reason, false, null, cause);
    }

    private CaptureException transientFailure(String reason, @Nullable Throwable cause) {
        return new CaptureException(taskId, host, reason, true, null, cause);
    }

    /** The total of {@code bytes <start>-<end>/<total>}, or -1 when absent, unknown ({@code *}) or unreadable. */
    static long rangeTotal(@Nullable String contentRange) {
        int slash = contentRange == null ? -1 : contentRange.lastIndexOf('/');
        if (slash < 0) {
            return -1;
        }
        try {
            return Long.parseLong(contentRange.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean rangeStartsAt(@Nullable String contentRange, long position) {
        // bytes <start>-<end>/<total>
        if (contentRange == null || !contentRange.toLowerCase(Locale.ROOT).startsWith("bytes ")) {
            return false;
        }
        int dash = contentRange.indexOf('-');
        try {
            return dash > 6 && Long.parseLong(contentRange.substring(6, dash).trim()) == position;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static long contentLength(@Nullable String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String hostOf(URI uri) {
        return uri.getHost() == null ? "(no host)" : uri.getHost();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface IoCall<T> {
        T call() throws IOException;
    }

    private static <T> Mono<T> blocking(IoCall<T> call) {
        return Mono.fromCallable(call::call).subscribeOn(Schedulers.boundedElastic());
    }

}
