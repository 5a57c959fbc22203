package dev.taskpoll;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A one-handler HTTP server on 127.0.0.1, port 0, that records the raw URI and headers it received, and counts the
 * connections opened to it and closed.
 */
final class FakeHttp implements AutoCloseable {

    final List<String> uris = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
    private final DisposableServer server;

    static FakeHttp start(BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
        return new FakeHttp(handler);
    }

    private FakeHttp(BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .doOnChannelInit((observer, channel, remote) -> {
                    opened.incrementAndGet();
                    channel.closeFuture().addListener(f -> closed.incrementAndGet());
                })
                .handle((req, res) -> {
                    uris.add(req.uri());
                    authorizations.add(String.valueOf(req.requestHeaders().get("Authorization")));
                    return handler.apply(req, res);
                })
                .bindNow();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/kyyReactApiServer";
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
