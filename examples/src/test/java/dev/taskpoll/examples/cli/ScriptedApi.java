package dev.taskpoll.examples.cli;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An API with one quirk, for the command line's tests: {@code POST {base}/v1/veo/videos} creates task {@code id},
 * whose {@code GET {base}/v1/result/{id}} answers {@code completed} with the {@code video_url} given (JSON, raw:
 * a string, a number...); {@code {media}} ({@code /m/0.mp4}) answers headers declaring 100,000 bytes, sends 100, then
 * nothing (a stalled result host). {@code {base}} is {@code http://127.0.0.1:<port>/api}. Close it after the test.
 */
final class ScriptedApi implements AutoCloseable {

    private final DisposableServer server;

    private ScriptedApi(String id, java.util.function.IntFunction<String> videoUrl) {
        DisposableServer[] self = new DisposableServer[1];
        self[0] = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.post("/api/v1/veo/videos", (req, res) -> req.receive().then(res
                                .header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"id\":\"" + id + "\",\"status\":\"queued\"}")).then()))
                        .get("/api/v1/result/" + id, (req, res) -> res.header("Content-Type", "application/json")
                                .sendString(Mono.just("{\"id\":\"" + id + "\",\"status\":\"completed\",\"video_url\":"
                                        + videoUrl.apply(self[0].port()) + "}")))
                        .get("/m/0.mp4", (req, res) -> res.header("Content-Type", "video/mp4")
                                .header("Content-Length", "100000")
                                .sendByteArray(Flux.just(new byte[100]).concatWith(Flux.never()))))
                .bindNow();
        this.server = self[0];
    }

    /** Task {@code id} completes with its result on the stalled media route. */
    static ScriptedApi stalledResult(String id) {
        return new ScriptedApi(id, port -> "\"http://127.0.0.1:" + port + "/m/0.mp4\"");
    }

    /** Task {@code id} completes with {@code videoUrl} (raw JSON) as its result. */
    static ScriptedApi completedWith(String id, String videoUrl) {
        return new ScriptedApi(id, port -> videoUrl);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/api";
    }

    String mediaUrl() {
        return "http://127.0.0.1:" + server.port() + "/m/0.mp4";
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
