package dev.taskpoll.callback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskState;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** Callbacks from the simulator merged with polling, through the standalone callback server. */
class CallbacksTest {

    private static final int TASKS = 24;

    private Simulator sim;
    private TaskpollClient client;
    private CallbackServer server;

    private void start(Faults faults, Duration watchdog) {
        SimTime time = SimTime.accelerated(100);
        sim = Simulator.builder().time(time).seed(21).failureRate(0.2).faults(faults)
                .generationTime(Duration.ofSeconds(60), Duration.ofSeconds(120)).build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).callbackWatchdog(watchdog).build())
                .build());
        server = CallbackServer.start(client, "127.0.0.1", 0, null);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private static GenerationRequest.Builder request(int i) {
        return GenerationRequest.task("kling-v3/text-to-video",
                Map.of("prompt", "scene " + i, "duration", "5", "aspect_ratio", "16:9"));
    }

    private List<List<TaskStatus>> runAll() {
        return Flux.range(0, TASKS)
                .flatMap(i -> server.receiver().submitAndTrack(request(i)).collectList())
                .collectList().block(Duration.ofSeconds(60));
    }

    /** Exactly one terminal, last, equal to the truth, confirmed by a poll; never backwards. */
    private void assertTruth(List<List<TaskStatus>> all) {
        ConfirmedTerminals.assertOnePerTask(sim, all, TASKS);
        for (List<TaskStatus> statuses : all) {
            int previous = -1;
            for (TaskStatus s : statuses) {
                int rank = s.isTerminal() ? 2 : s.state() == TaskState.PROCESSING ? 1 : 0;
                assertThat(rank).as(statuses.get(0).taskId() + ": never backwards " + statuses)
                        .isGreaterThanOrEqualTo(previous);
                previous = rank;
            }
        }
    }

    @Test
    void duplicatedReorderedAndEarlyCallbacksGiveOneTerminalStatusAndPollingSlowsToTheWatchdog() {
        start(Faults.parse("dup=1,reorder=0.5,early=1"), Duration.ofMinutes(10));
        List<List<TaskStatus>> all = runAll();
        assertTruth(all);
        List<TaskTruth> truths = sim.truths();
        long early = truths.stream().flatMap(t -> t.callbacks().stream())
                .filter(c -> c.note().equals("early") && c.httpStatus() == 204).count();
        long duplicates = truths.stream().flatMap(t -> t.callbacks().stream())
                .filter(c -> c.note().equals("duplicate") && c.httpStatus() == 204).count();
        assertThat(early).as("callbacks answered before the submit call returned").isEqualTo(TASKS);
        assertThat(duplicates).isPositive();
        // natural cadence: every 5 s over 60-120 s is 12-24 polls a task; with callbacks, the watchdog (10 min)
        // leaves the first poll, the confirming one, and little else
        double polls = truths.stream().mapToInt(t -> t.polls().size()).average().orElseThrow();
        assertThat(polls).as("polls per task while callbacks arrive").isLessThanOrEqualTo(4);
        assertThat(server.receiver().pending()).isZero();
        assertThat(client.tracker().activeTasks()).isZero();
    }

    /**
     * A public URL with a path ({@code http://host:port/cb}, as behind a proxy that forwards the path as it is):
     * callbacks sent to it reach the receiver. The server served only {@code /<key>/<token>}, so each got 404 and
     * callbacks silently never worked.
     */
    @Test
    void callbacksToAPublicUrlWithAPathReachTheReceiver() throws Exception {
        SimTime time = SimTime.accelerated(100);
        sim = Simulator.builder().time(time).seed(21).generationTime(Duration.ofSeconds(60), Duration.ofSeconds(120))
                .build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler())
                        .callbackWatchdog(Duration.ofMinutes(10)).build()).build());
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        server = CallbackServer.start(client, "127.0.0.1", port, "http://127.0.0.1:" + port + "/cb/");
        List<TaskStatus> statuses = server.receiver().submitAndTrack(request(0)).collectList()
                .block(Duration.ofSeconds(60));
        assertThat(statuses).last().matches(TaskStatus::isTerminal);
        List<TaskTruth.Callback> callbacks = sim.truths().get(0).callbacks();
        assertThat(callbacks).isNotEmpty().allSatisfy(c -> assertThat(c.httpStatus()).as(c.toString())
                .isEqualTo(204));
        assertThat(CallbackServer.pathOf("https://my.host/taskpoll/")).isEqualTo("/taskpoll");
        assertThat(CallbackServer.pathOf("https://my.host")).isEmpty();
        // matched literally (a route template would read '+' and '.' as a regular expression's)
        assertThat(CallbackServer.callbackPath("/cb+v1.2/k/t?x=1", "/cb+v1.2")).isEqualTo("k/t");
        assertThat(CallbackServer.callbackPath("/cbbv1x2/k/t", "/cb+v1.2")).isNull();
        assertThat(CallbackServer.callbackPath("/k/t", "/cb")).isEqualTo("k/t");
        assertThat(CallbackServer.callbackPath("/cb/k/t/u", "/cb")).isNull();
    }

    @Test
    void lostCallbacksLeaveItToPolling() {
        start(Faults.parse("lost=1"), Duration.ofMinutes(10));
        List<List<TaskStatus>> all = runAll();
        assertTruth(all);
        assertThat(sim.truths()).allSatisfy(t -> assertThat(t.callbacks())
                .allSatisfy(c -> assertThat(c.note()).startsWith("lost")));
        double polls = sim.truths().stream().mapToInt(t -> t.polls().size()).average().orElseThrow();
        assertThat(polls).as("no callback: the normal cadence").isGreaterThanOrEqualTo(10);
    }

    @Test
    void forgedOversizedAndMalformedCallbacksAreRefusedAndChangeNothing() {
        start(Faults.none(), Duration.ofMinutes(10));
        String base = "http://127.0.0.1:" + server.port();
        // a task in flight, and the callback URL the simulator was given for it
        java.util.concurrent.CompletableFuture<String> first = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<List<TaskStatus>> done = server.receiver().submitAndTrack(request(0))
                .doOnNext(st -> first.complete(st.taskId()))
                .collectList().toFuture();
        String id = first.join();
        String url = callbackUrl(id);
        String good = url.substring(url.indexOf('/', "http://".length()));
        String[] parts = good.substring(1).split("/");
        String forgedDone = "{\"id\":\"" + id + "\",\"status\":\"completed\","
                + "\"outputs\":[\"https://evil.example/x.mp4\"]}";
        assertThat(post(base + "/" + parts[0] + "/" + "A".repeat(parts[1].length()), forgedDone))
                .as("wrong token").isEqualTo(401);
        assertThat(post(base + "/unknownkey/" + parts[1], forgedDone)).as("unknown key").isEqualTo(404);
        assertThat(post(base + good, "x".repeat(70_000))).as("over the cap").isEqualTo(413);
        assertThat(post(base + good, "<html>")).as("not a status").isEqualTo(400);
        assertThat(post(base + good, forgedDone.replace(id, "someone-else"))).as("another task's status")
                .isEqualTo(404);
        List<TaskStatus> statuses = done.join();
        TaskStatus last = statuses.get(statuses.size() - 1);
        assertThat(last.resultUrls()).noneMatch(u -> u.contains("evil.example"));
        assertThat(last.rawStatus()).isEqualTo(sim.truth(last.taskId()).orElseThrow().outcome().raw());
    }

    private String callbackUrl(String taskId) {
        // what the simulator was given at create time: the URL the receiver made for this task
        return sim.truth(taskId).orElseThrow().callbackUrl();
    }

    private static int post(String url, String body) {
        return HttpClient.create().post().uri(url)
                .send(reactor.netty.ByteBufFlux.fromString(Mono.just(body), StandardCharsets.UTF_8,
                        io.netty.buffer.ByteBufAllocator.DEFAULT))
                .responseSingle((res, content) -> content.then(Mono.just(res.status().code())))
                .block(Duration.ofSeconds(10));
    }
}
