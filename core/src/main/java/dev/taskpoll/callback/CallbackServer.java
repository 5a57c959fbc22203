package dev.taskpoll.callback;

import dev.taskpoll.TaskpollClient;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.Objects;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A small standalone Reactor Netty server for the {@link CallbackReceiver}, for applications without a web server:
 * {@code POST <baseUrl>/<key>/<token>}. Bodies are capped before they are parsed: a declared length over the cap is
 * refused without reading, a chunked body is counted while it arrives.
 */
public final class CallbackServer implements AutoCloseable {

    private final DisposableServer server;
    private final CallbackReceiver receiver;

    private CallbackServer(DisposableServer server, CallbackReceiver receiver) {
        this.server = server;
        this.receiver = receiver;
    }

    /**
     * Binds {@code host:port} (0 for any free port) and creates the receiver, whose callback URLs are
     * {@code publicBaseUrl} (or, when null, {@code http://host:port}) followed by {@code /<key>/<token>}. Callbacks are
     * taken at {@code /<key>/<token>} and, when {@code publicBaseUrl} has a path, at {@code <path>/<key>/<token>} too
     * (a proxy in front that strips the path, or one that forwards it as it is).
     *
     * @param client        the client that submits and tracks
     * @param host          the host to bind
     * @param port          the port to bind, or 0 for any free port
     * @param publicBaseUrl the base of the callback URLs, or null for {@code http://host:port}
     * @return the server, bound
     */
    public static CallbackServer start(TaskpollClient client, String host, int port,
                                       @org.jspecify.annotations.Nullable String publicBaseUrl) {
        Objects.requireNonNull(client, "client");
        // the receiver's URLs need the bound port, so it is made just after binding; until then: 503
        java.util.concurrent.atomic.AtomicReference<CallbackReceiver> holder =
                new java.util.concurrent.atomic.AtomicReference<>();
        // the public URL's path (https://my.host/taskpoll/<key>/<token>) is served as well as the root: a proxy that
        // forwards the path as it is reaches the receiver, and so does one that strips it
        String prefix = pathOf(publicBaseUrl);
        java.util.function.BiFunction<reactor.netty.http.server.HttpServerRequest,
                reactor.netty.http.server.HttpServerResponse, org.reactivestreams.Publisher<Void>> handler =
                (req, res) -> {
                    CallbackReceiver receiver = holder.get();
                    if (receiver == null) {
                        return res.status(503).send();
                    }
                    int cap = receiver.maxBodyBytes();
                    long declared = req.requestHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
                    if (declared > cap) {
                        return res.status(413).send();
                    }
                    String path = Objects.requireNonNull(callbackPath(req.uri(), prefix));
                    int refused = receiver.refusal(path);
                    if (refused != 0) { // before the body: an outsider's is not read to be refused after
                        return res.status(refused).send();
                    }
                    return req.receive().asByteArray()
                            .reduceWith(java.io.ByteArrayOutputStream::new, (out, chunk) -> {
                                if (out.size() + chunk.length > cap) {
                                    throw new IllegalStateException("over the cap"); // counted while arriving
                                }
                                out.write(chunk, 0, chunk.length);
                                return out;
                            })
                            .map(out -> receiver.receive(path, out.toByteArray()))
                            .onErrorReturn(IllegalStateException.class, 413)
                            .flatMap(code -> Mono.from(res.status(code).send()));
                };
        DisposableServer server = HttpServer.create().host(host).port(port)
                // matched by hand: a route template is a regular expression, in which a path's '.', '+' or '(' would
                // mean something else
                .route(r -> r.route(req -> req.method() == io.netty.handler.codec.http.HttpMethod.POST
                        && callbackPath(req.uri(), prefix) != null, handler))
                .bindNow();
        String base = publicBaseUrl != null ? publicBaseUrl : "http://" + host + ":" + server.port();
        CallbackReceiver receiver = CallbackReceiver.create(client, base);
        holder.set(receiver);
        return new CallbackServer(server, receiver);
    }

    /**
     * {@code <key>/<token>} from a request's URI, at the root or under {@code prefix}; null for any other path.
     */
    static @org.jspecify.annotations.Nullable String callbackPath(String uri, String prefix) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (!prefix.isEmpty() && path.startsWith(prefix + "/")) {
            path = path.substring(prefix.length());
        }
        String[] parts = path.split("/", -1);
        return parts.length == 3 && parts[0].isEmpty() && !parts[1].isEmpty() && !parts[2].isEmpty()
                ? parts[1] + "/" + parts[2] : null;
    }

    /** A URL's path without its trailing slashes; "" for none (or no URL). */
    static String pathOf(@org.jspecify.annotations.Nullable String url) {
        String raw = url == null ? null : java.net.URI.create(url).getRawPath();
        return raw == null ? "" : raw.replaceAll("/+$", "");
    }

    /**
     * The receiver behind this server.
     *
     * @return the receiver
     */
    public CallbackReceiver receiver() {
        return receiver;
    }

    /**
     * The port bound.
     *
     * @return the port
     */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
