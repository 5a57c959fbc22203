package dev.taskpoll.callback;

import java.util.Objects;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Mounts a {@link CallbackReceiver} in a Spring WebFlux application (Spring is an optional dependency of taskpoll:
 * this class needs {@code spring-webflux} on the class path, nothing else does).
 *
 * <pre>{@code
 * CallbackReceiver receiver = CallbackReceiver.create(client, "https://my.host/taskpoll/callbacks");
 * @Bean RouterFunction<ServerResponse> callbacks() {
 *     return WebFluxCallbackHandler.routes("/taskpoll/callbacks", receiver);
 * }
 * }</pre>
 *
 * <p>The body is capped at {@link CallbackReceiver#maxBodyBytes()} before it is parsed: a declared
 * {@code Content-Length} over the cap is answered 413 without reading, a chunked body is counted as it arrives and
 * refused (413) at the first byte over. Answers: 204 accepted, 400 not a status, 401 wrong token, 404 unknown task,
 * 413 too large. Nothing blocks: the receiver parses in memory and hands the status to the tracker.
 */
public final class WebFluxCallbackHandler implements HandlerFunction<ServerResponse> {

    private final CallbackReceiver receiver;

    private WebFluxCallbackHandler(CallbackReceiver receiver) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
    }

    /**
     * The handler alone, for a route that has path variables {@code key} and {@code token}.
     *
     * @param receiver the receiver
     * @return the handler
     */
    public static WebFluxCallbackHandler of(CallbackReceiver receiver) {
        return new WebFluxCallbackHandler(receiver);
    }

    /**
     * {@code POST <prefix>/{key}/{token}}: {@code prefix} is the path part of the receiver's public base URL, as the
     * application sees it (for example {@code /taskpoll/callbacks}).
     *
     * @param prefix   the path prefix; empty, or starting and not ending with {@code /}
     * @param receiver the receiver
     * @return the route
     */
    public static RouterFunction<ServerResponse> routes(String prefix, CallbackReceiver receiver) {
        Objects.requireNonNull(prefix, "prefix");
        if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
            throw new IllegalArgumentException("prefix: '" + prefix
                    + "' must be empty or start with '/' and not end with '/'");
        }
        return RouterFunctions.route(RequestPredicates.POST(prefix + "/{key}/{token}"), of(receiver));
    }

    @Override
    public Mono<ServerResponse> handle(ServerRequest request) {
        int cap = receiver.maxBodyBytes();
        if (request.headers().contentLength().orElse(-1) > cap) {
            return ServerResponse.status(413).build();
        }
        String path = request.pathVariable("key") + "/" + request.pathVariable("token");
        int refused = receiver.refusal(path);
        if (refused != 0) { // before the body: an outsider's is not read to be refused after
            return ServerResponse.status(refused).build();
        }
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), cap)
                .map(WebFluxCallbackHandler::bytes)
                .defaultIfEmpty(new byte[0])
                .map(body -> receiver.receive(path, body))
                .onErrorResume(DataBufferLimitException.class, e -> Mono.just(413))
                .flatMap(code -> ServerResponse.status(code).build());
    }

    private static byte[] bytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }
}
