package dev.taskpoll.callback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** The receiver mounted in Spring WebFlux: callbacks from the simulator, and forged ones. */
class WebFluxCallbackHandlerTest {

    private static final int TASKS = 12;

    private Simulator sim;
    private TaskpollClient client;
    private DisposableServer server;
    private CallbackReceiver receiver;
    private RouterFunction<ServerResponse> routes;

    @BeforeEach
    void start() {
        SimTime time = SimTime.accelerated(100);
        sim = Simulator.builder().time(time).seed(5).failureRate(0.2).faults(Faults.parse("dup=1,reorder=0.5,early=1"))
                .generationTime(Duration.ofSeconds(60), Duration.ofSeconds(120)).build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler())
                        .callbackWatchdog(Duration.ofMinutes(10)).build())
                .build());
        // a WebFlux application on Reactor Netty, as Spring Boot would run it; the receiver needs the bound port
        AtomicReference<HttpHandler> app = new AtomicReference<>();
        server = HttpServer.create().host("127.0.0.1").port(0)
                .handle(new ReactorHttpHandlerAdapter((req, res) -> app.get().handle(req, res))).bindNow();
        receiver = CallbackReceiver.create(client, "http://127.0.0.1:" + server.port() + "/app/callbacks");
        routes = WebFluxCallbackHandler.routes("/app/callbacks", receiver);
        app.set(RouterFunctions.toHttpHandler(routes));
    }

    @AfterEach
    void stop() {
        server.disposeNow();
        client.close();
        sim.close();
    }

    private static GenerationRequest.Builder request(int i) {
        return GenerationRequest.task("kling-v3/text-to-video",
                Map.of("prompt", "scene " + i, "duration", "5", "aspect_ratio", "16:9"));
    }

    @Test
    void callbacksThroughTheWebFluxRouteGiveOneConfirmedTerminalStatusPerTask() {
        List<List<TaskStatus>> all = Flux.range(0, TASKS)
                .flatMap(i -> receiver.submitAndTrack(request(i)).collectList())
                .collectList().block(Duration.ofSeconds(60));
        ConfirmedTerminals.assertOnePerTask(sim, all, TASKS);
        List<TaskTruth> truths = sim.truths();
        assertThat(truths.stream().flatMap(t -> t.callbacks().stream()).filter(c -> c.httpStatus() == 204).count())
                .as("callbacks the WebFlux route accepted").isGreaterThanOrEqualTo(2L * TASKS);
        assertThat(truths.stream().mapToInt(t -> t.polls().size()).average().orElseThrow())
                .as("polling slowed to the watchdog").isLessThanOrEqualTo(4);
        assertThat(receiver.pending()).isZero();
    }

    @Test
    void forgedOversizedAndMalformedCallbacksAreRefused() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<List<TaskStatus>> done = receiver.submitAndTrack(request(0))
                .doOnNext(st -> first.complete(st.taskId())).collectList().toFuture();
        String id = first.join();
        String url = sim.truth(id).orElseThrow().callbackUrl();
        String good = url.substring(url.indexOf("/app/callbacks"));
        String token = good.substring(good.lastIndexOf('/') + 1);
        String key = good.substring("/app/callbacks/".length(), good.lastIndexOf('/'));
        String forged = "{\"id\":\"" + id + "\",\"status\":\"completed\",\"outputs\":[\"https://evil.example/x.mp4\"]}";
        WebTestClient web = WebTestClient.bindToRouterFunction(routes).build();

        web.post().uri("/app/callbacks/" + key + "/" + "A".repeat(token.length())).bodyValue(forged)
                .exchange().expectStatus().isEqualTo(401);
        web.post().uri("/app/callbacks/nosuchkey/" + token).bodyValue(forged).exchange().expectStatus().isEqualTo(404);
        web.post().uri(good).bodyValue(forged.replace(id, "someone-else")).exchange().expectStatus().isEqualTo(404);
        web.post().uri(good).bodyValue("<html>").exchange().expectStatus().isEqualTo(400);
        web.post().uri(good).bodyValue("x".repeat(70_000)).exchange().expectStatus().isEqualTo(413);
        // no Content-Length: counted while it arrives
        DefaultDataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;
        Flux<DataBuffer> chunked = Flux.range(0, 70).map(i -> buffers.wrap(
                "y".repeat(1000).getBytes(StandardCharsets.US_ASCII)));
        web.post().uri(good).body(chunked, DataBuffer.class).exchange().expectStatus().isEqualTo(413);
        web.get().uri(good).exchange().expectStatus().isNotFound();
        // an unknown key or a wrong token is answered before the body is read: a body that never ends gets it at once
        // (it was read in full first, up to the cap on every connection: a review)
        web.post().uri("/app/callbacks/nosuchkey/" + token).body(Flux.concat(Flux.just(buffers.wrap(
                "z".getBytes(StandardCharsets.US_ASCII))), Flux.never()), DataBuffer.class)
                .exchange().expectStatus().isEqualTo(404);
        web.post().uri("/app/callbacks/" + key + "/" + "A".repeat(token.length())).body(Flux.concat(Flux.just(
                buffers.wrap("z".getBytes(StandardCharsets.US_ASCII))), Flux.never()), DataBuffer.class)
                .exchange().expectStatus().isEqualTo(401);

        List<TaskStatus> statuses = done.join();
        TaskStatus last = statuses.get(statuses.size() - 1);
        assertThat(last.resultUrls()).noneMatch(u -> u.contains("evil.example"));
        assertThat(last.rawStatus()).isEqualTo(sim.truth(id).orElseThrow().outcome().raw());
    }

    @Test
    void aPrefixThatCannotBeARouteIsRefused() {
        assertThatThrownBy(() -> WebFluxCallbackHandler.routes("callbacks/", receiver))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix").hasMessageContaining("'callbacks/'");
    }
}
