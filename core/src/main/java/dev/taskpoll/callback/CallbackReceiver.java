package dev.taskpoll.callback;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Receives the generic task dialect's callbacks and merges them into the tasks' fluxes, without a web framework:
 * mount {@link #receive(String, byte[])} at a route of your server (a WebFlux handler is three lines, see the
 * README), or use {@link CallbackServer}. Callbacks are hints: a terminal one is confirmed by a poll before it is
 * emitted; duplicates, late and out-of-order ones change nothing (see {@link dev.taskpoll.spi.StatusHints}). Bodies
 * are read by the client's own decoder, with its limits ({@link TaskpollClient#decodeStatus}).
 *
 * <p>Each task submitted through {@link #submitAndTrack} gets its own {@code callback_url}:
 * {@code <publicBaseUrl>/<key>/<token>}, both random (128 and 256 bits), the token compared in constant time. A
 * callback with an unknown key gets 404, a wrong token 401, a body over {@link #maxBodyBytes()} 413, a body that is
 * not a task status 400; none of them changes anything. A callback that comes before the submit call has returned
 * (the task id is not known yet) is kept and applied once it is (of several, the furthest: a terminal one is not
 * replaced by a late non-terminal one).
 */
public final class CallbackReceiver {

    /** Default cap on a callback body: 64 KiB (a status object is a few hundred bytes). */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

    private final TaskpollClient client;
    private final String publicBaseUrl;
    private final int maxBodyBytes;
    /**
     * Unguessable tokens without a file read per token: the default {@code SecureRandom} on Linux (NativePRNG) reads
     * {@code /dev/urandom} at each {@code nextBytes}, a blocking call on the event loop a submit is subscribed on; a
     * DRBG is seeded once, here, and draws from memory after.
     */
    private final SecureRandom random = seeded();
    private final ConcurrentHashMap<String, Ticket> tickets = new ConcurrentHashMap<>();

    private static SecureRandom seeded() {
        SecureRandom r;
        try {
            r = SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            r = new SecureRandom();
        }
        r.nextBytes(new byte[16]); // seeds it now, off the event loop
        return r;
    }

    private CallbackReceiver(TaskpollClient client, String publicBaseUrl, int maxBodyBytes) {
        this.client = Objects.requireNonNull(client, "client");
        String base = Objects.requireNonNull(publicBaseUrl, "publicBaseUrl");
        if (!base.startsWith("https://") && !base.startsWith("http://")) {
            throw new IllegalArgumentException("publicBaseUrl: '" + base + "' must be an absolute http(s) URL");
        }
        this.publicBaseUrl = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        if (maxBodyBytes < 256) {
            throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " must be at least 256");
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * A receiver whose route is reachable by the provider at {@code publicBaseUrl} (the path prefix it is mounted at).
     *
     * @param client        the client that submits and tracks
     * @param publicBaseUrl the receiver's route as the provider reaches it, an absolute http(s) URL
     * @return the receiver
     */
    public static CallbackReceiver create(TaskpollClient client, String publicBaseUrl) {
        return new CallbackReceiver(client, publicBaseUrl, DEFAULT_MAX_BODY_BYTES);
    }

    /**
     * As {@link #create(TaskpollClient, String)}, with another cap on a callback body.
     *
     * @param client        the client that submits and tracks
     * @param publicBaseUrl the receiver's route as the provider reaches it, an absolute http(s) URL
     * @param maxBodyBytes  the cap, in bytes; at least 256
     * @return the receiver
     */
    public static CallbackReceiver create(TaskpollClient client, String publicBaseUrl, int maxBodyBytes) {
        return new CallbackReceiver(client, publicBaseUrl, maxBodyBytes);
    }

    /**
     * The cap on a callback body (default {@value #DEFAULT_MAX_BODY_BYTES}).
     *
     * @return the cap, in bytes
     */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * Tasks whose callbacks are expected now (submitted through this receiver, not finished).
     *
     * @return the number of tasks
     */
    public int pending() {
        return tickets.size();
    }

    /**
     * Submits a generic-dialect request with this receiver's {@code callback_url} for it, then tracks it with its
     * callbacks merged in, like {@link TaskpollClient#submitAndTrack}: the first status is the create call's answer.
     *
     * @param request a generic-dialect request, without its {@code callback_url}
     * @return its statuses, the first carrying the task id
     */
    public Flux<TaskStatus> submitAndTrack(GenerationRequest.Builder request) {
        return Flux.defer(() -> {
            String key = randomToken(16);
            String token = randomToken(32);
            Ticket ticket = new Ticket(token.getBytes(StandardCharsets.US_ASCII));
            GenerationRequest built = request.callbackUrl(publicBaseUrl + "/" + key + "/" + token).build();
            if (built.family() != Family.GENERIC_TASK) {
                return Flux.error(new IllegalArgumentException("request.family: " + built.family()
                        + " has no callback_url; callbacks are for the generic task dialect"));
            }
            tickets.put(key, ticket);
            return client.submit(built)
                    .flatMapMany(s -> {
                        ticket.bind(s.taskId(), client);
                        return client.track(s);
                    })
                    // before the terminal signal goes downstream (doFinally would run after it), so that a
                    // subscriber who saw the end also sees the ticket gone; on cancel too
                    .doOnTerminate(() -> forget(key, ticket))
                    .doOnCancel(() -> forget(key, ticket));
        });
    }

    private void forget(String key, Ticket ticket) {
        if (tickets.remove(key, ticket)) {
            String id = ticket.taskId;
            if (id != null) {
                client.hints().forget(Family.GENERIC_TASK, id);
            }
        }
    }

    /**
     * Handles one callback: {@code path} is what follows the receiver's base path ({@code <key>/<token>}), {@code body}
     * the request body (check its declared length against {@link #maxBodyBytes()} before reading it). Returns the
     * HTTP status to answer: 204 accepted, 400 not a status, 401 wrong token, 404 unknown, 413 too large.
     *
     * @param path {@code <key>/<token>}
     * @param body the request body
     * @return the HTTP status to answer
     */
    public int receive(String path, byte[] body) {
        int refused = refusal(path);
        if (refused != 0) {
            return refused;
        }
        Ticket ticket = tickets.get(parts(path)[0]);
        if (ticket == null) {
            return 404; // ended meanwhile
        }
        if (body.length > maxBodyBytes) {
            return 413;
        }
        TaskStatus status;
        try {
            status = client.decodeStatus(body); // the decoder and limits polls use
        } catch (RuntimeException e) {
            return 400;
        }
        return ticket.offer(status, client) ? 204 : 404;
    }

    /**
     * What a callback to {@code <key>/<token>} is answered before its body is read: 404 for a key no task expects (or
     * a path that is not two parts), 401 for a wrong token, 0 when it may be read. The endpoints ask first, so that an
     * outsider's body is not read in full (up to {@link #maxBodyBytes()} on each connection) to be refused after.
     */
    int refusal(String path) {
        String[] parts = parts(path);
        if (parts.length != 2) {
            return 404;
        }
        Ticket ticket = tickets.get(parts[0]);
        if (ticket == null) {
            return 404;
        }
        return MessageDigest.isEqual(ticket.token, parts[1].getBytes(StandardCharsets.US_ASCII)) ? 0 : 401;
    }

    private static String[] parts(String path) {
        return path.startsWith("/") ? path.substring(1).split("/", -1) : path.split("/", -1);
    }

    private String randomToken(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** One task's expected callbacks. */
    private static final class Ticket {
        final byte[] token;
        volatile @Nullable String taskId;
        private @Nullable TaskStatus early; // guarded by this, until bound

        Ticket(byte[] token) {
            this.token = token;
        }

        /** False when the status is about another task than this ticket's. */
        boolean offer(TaskStatus status, TaskpollClient client) {
            synchronized (this) {
                if (taskId == null) {
                    // the submit call has not returned yet: keep the furthest status (callbacks may come out of
                    // order: a late 'in_progress' must not replace a 'completed'), check its id once known
                    if (early == null || rank(status) >= rank(early)) {
                        early = status;
                    }
                    return true;
                }
            }
            if (!status.taskId().equals(taskId)) {
                return false;
            }
            client.hints().offer(Family.GENERIC_TASK, status);
            return true;
        }

        private static int rank(TaskStatus s) {
            return s.isTerminal() ? 2 : s.state() == dev.taskpoll.TaskState.PROCESSING ? 1 : 0;
        }

        void bind(String id, TaskpollClient client) {
            TaskStatus kept;
            synchronized (this) {
                taskId = id;
                kept = early;
                early = null;
            }
            if (kept != null && kept.taskId().equals(id)) {
                client.hints().offer(Family.GENERIC_TASK, kept);
            }
        }
    }
}
