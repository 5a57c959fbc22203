package dev.taskpoll.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The dashboard running for real (Spring Boot on Reactor Netty, embedded simulator at 600x), through WebTestClient. */
class DashboardTest {

    @TempDir
    static Path out;

    static ConfigurableApplicationContext app;
    static WebTestClient web;
    static Simulator sim;

    @BeforeAll
    static void start() {
        app = DashboardApplication.start("--server.port=0", "--server.address=127.0.0.1", "--taskpoll.sim-scale=600",
                "--taskpoll.out=" + out, "--spring.main.banner-mode=off");
        web = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + app.getEnvironment()
                .getProperty("local.server.port")).responseTimeout(Duration.ofSeconds(30)).build();
        sim = app.getBean(DashboardApplication.Api.class).simulator();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    private static JsonNode json(String text) throws Exception {
        return Generations.JSON.readTree(text);
    }

    private static String submit(String body) throws Exception {
        String created = web.post().uri("/generations").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isCreated()
                .expectHeader().valueMatches("Location", "/generations/.+")
                .expectBody(String.class).returnResult().getResponseBody();
        return json(created).get("id").asText();
    }

    private static List<ServerSentEvent<String>> events(String id) {
        return web.get().uri("/generations/{id}/events", id).accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .getResponseBody().collectList().block(Duration.ofSeconds(60));
    }

    @Test
    void aSubmittedGenerationStreamsItsStatusesThenItsStoredResultWhichIsServedByteForByte() throws Exception {
        String id = submit("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"a fox\"}");
        List<ServerSentEvent<String>> events = events(id);
        List<String> names = events.stream().map(ServerSentEvent::event).toList();
        assertThat(names).first().isEqualTo("status");
        assertThat(names).last().isEqualTo("end");
        List<JsonNode> statuses = events.stream().filter(e -> "status".equals(e.event()))
                .map(e -> { try { return json(e.data()); } catch (Exception x) { throw new AssertionError(x); } })
                .toList();
        assertThat(statuses).allMatch(s -> s.get("id").asText().equals(id));
        JsonNode last = statuses.get(statuses.size() - 1);
        TaskTruth truth = sim.truth(id).orElseThrow();
        assertThat(last.get("status").asText()).isEqualTo(truth.outcome().raw());
        assertThat(statuses.stream().filter(s -> !s.get("state").asText().matches("QUEUED|PROCESSING"))).hasSize(1);
        if (last.get("state").asText().equals("COMPLETED")) {
            // the result URL's signature (anyone holding it may fetch the result) is not in events nor the API
            assertThat(last.get("urls")).isNotEmpty().allSatisfy(u -> assertThat(u.asText())
                    .doesNotContain("sig=").endsWith("?…"));
            assertThat(web.get().uri("/generations/{id}", id).exchange().expectStatus().isOk()
                    .expectBody(String.class).returnResult().getResponseBody()).contains("\"urls\":[\"http")
                    .doesNotContain("sig=");
            JsonNode stored = json(events.stream().filter(e -> "stored".equals(e.event())).findFirst()
                    .orElseThrow().data());
            byte[] served = web.get().uri(stored.get("url").asText()).exchange().expectStatus().isOk()
                    .expectHeader().contentType(stored.get("contentType").asText())
                    .expectHeader().valueEquals("X-Content-Type-Options", "nosniff")
                    .expectHeader().valueMatches("Content-Security-Policy", "sandbox;.*")
                    .expectBody(byte[].class).returnResult().getResponseBody();
            assertThat(served).hasSize(stored.get("size").asInt());
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(served)))
                    .isEqualTo(stored.get("sha256").asText());
            assertThat(out.resolve(Path.of(stored.get("url").asText()).subpath(1, 3))).exists();
            // byte ranges, as a video element seeks: a part, the last bytes, one past the end refused
            int size = served.length;
            assertThat(web.get().uri(stored.get("url").asText()).header("Range", "bytes=3-12").exchange()
                    .expectStatus().isEqualTo(206)
                    .expectHeader().valueEquals("Content-Range", "bytes 3-12/" + size)
                    .expectHeader().valueEquals("Accept-Ranges", "bytes")
                    .expectHeader().contentLength(10)
                    .expectBody(byte[].class).returnResult().getResponseBody())
                    .isEqualTo(java.util.Arrays.copyOfRange(served, 3, 13));
            assertThat(web.get().uri(stored.get("url").asText()).header("Range", "bytes=-7").exchange()
                    .expectStatus().isEqualTo(206)
                    .expectHeader().valueEquals("Content-Range", "bytes " + (size - 7) + "-" + (size - 1) + "/" + size)
                    .expectBody(byte[].class).returnResult().getResponseBody())
                    .isEqualTo(java.util.Arrays.copyOfRange(served, size - 7, size));
            web.get().uri(stored.get("url").asText()).header("Range", "bytes=" + size + "-").exchange()
                    .expectStatus().isEqualTo(416)
                    .expectHeader().valueEquals("Content-Range", "bytes */" + size);
        }
        // a late subscriber sees the whole story again
        assertThat(events(id).stream().map(ServerSentEvent::event).toList()).isEqualTo(names);
        String listed = web.get().uri("/generations").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(listed).contains("\"id\":\"" + id + "\"").contains("\"prompt\":\"a fox\"")
                .contains("\"submittedAt\":\"");
    }


    /** The one byte range a result answers; anything it cannot read is answered with the whole file. */
    @Test
    void aRangeHeaderIsReadAsOneByteRangeOrIgnored() {
        assertThat(DashboardRoutes.span("bytes=0-9", 100)).containsExactly(0, 9);
        assertThat(DashboardRoutes.span("bytes=90-", 100)).containsExactly(90, 99);
        assertThat(DashboardRoutes.span("bytes=95-200", 100)).containsExactly(95, 99);
        assertThat(DashboardRoutes.span("bytes=-30", 100)).containsExactly(70, 99);
        assertThat(DashboardRoutes.span("bytes=-300", 100)).containsExactly(0, 99);
        assertThat(DashboardRoutes.span("BYTES=5-5", 100)).containsExactly(5, 5);
        assertThat(DashboardRoutes.span("bytes=100-", 100)).isEmpty(); // unsatisfiable: 416
        assertThat(DashboardRoutes.span("bytes=-0", 100)).isEmpty();
        assertThat(DashboardRoutes.span("bytes=0-", 0)).as("an empty file: 200, no body").isNull();
        assertThat(DashboardRoutes.span("bytes=-5", 0)).isNull();
        assertThat(DashboardRoutes.span("bytes=0-1,5-6", 100)).isNull(); // several: the whole file
        assertThat(DashboardRoutes.span("bytes=9-3", 100)).isNull();
        assertThat(DashboardRoutes.span("items=0-9", 100)).isNull();
        assertThat(DashboardRoutes.span("bytes=-", 100)).isNull();
        assertThat(DashboardRoutes.span("bytes=99999999999999999999-", 100)).isNull();
    }

    /**
     * {@code GET /events}: every generation's events on one stream (a browser keeps six connections to a host, so the
     * page cannot hold a stream per card): each generation held when it is opened and each submitted after, its
     * {@code generation} event first, then the same events as its own stream, each naming it.
     */
    @Test
    void oneStreamCarriesEveryGenerationsEventsThoseHeldAndThoseSubmittedAfter() throws Exception {
        List<String> before = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            before.add(submit("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"b" + i + "\"}"));
        }
        java.util.Set<String> wanted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        wanted.addAll(before);
        java.util.Set<String> ended = java.util.concurrent.ConcurrentHashMap.newKeySet();
        reactor.core.publisher.Sinks.One<Boolean> done = reactor.core.publisher.Sinks.one();
        Runnable check = () -> {
            if (wanted.size() == 8 && ended.containsAll(wanted)) {
                done.tryEmitValue(true);
            }
        };
        java.util.Map<String, List<ServerSentEvent<String>>> seen = new java.util.concurrent.ConcurrentHashMap<>();
        reactor.core.publisher.Flux<ServerSentEvent<String>> stream = web.get().uri("/events")
                .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { }).getResponseBody();
        reactor.core.publisher.Sinks.One<Boolean> subscribed = reactor.core.publisher.Sinks.one();
        reactor.core.Disposable all = stream.subscribe(e -> {
                    String id;
                    try {
                        id = json(e.data()).get("id").asText();
                    } catch (Exception x) {
                        throw new AssertionError(x);
                    }
                    seen.computeIfAbsent(id, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(e);
                    if ("end".equals(e.event())) {
                        ended.add(id);
                    }
                    subscribed.tryEmitValue(true);
                    check.run();
                });
        subscribed.asMono().block(Duration.ofSeconds(30)); // the stream is open: the next ones come after
        for (int i = 0; i < 4; i++) {
            String id = submit("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"a" + i + "\"}");
            wanted.add(id);
        }
        check.run();
        try {
            done.asMono().block(Duration.ofSeconds(60));
        } finally {
            all.dispose();
        }
        for (String id : wanted) {
            List<String> names = seen.get(id).stream().map(ServerSentEvent::event).toList();
            assertThat(names).as(id).first().isEqualTo("generation");
            assertThat(names.subList(1, names.size())).as("%s: as its own stream", id)
                    .isEqualTo(events(id).stream().map(ServerSentEvent::event).toList());
            assertThat(json(seen.get(id).get(0).data()).get("family").asText()).isEqualTo("NANO_BANANA");
        }
    }

    @Test
    void aRunningGenerationShowsWhenItIsExpectedToEndFromTheLearnedCadence() throws Exception {
        // the dashboard's default cadence learns; until it has, the docs' 2-5 min for VEO: a task seen processing at
        // its first poll gets an expected end (5 tasks: that none is seen processing has a chance below 1 in 5,000)
        List<JsonNode> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = submit("{\"family\":\"veo\",\"model\":\"veo_3_1_fast\",\"prompt\":\"a fox " + i + "\"}");
            for (ServerSentEvent<String> e : events(id)) {
                if ("expected".equals(e.event())) {
                    JsonNode x = json(e.data());
                    assertThat(x.get("id").asText()).isEqualTo(id);
                    expected.add(x);
                }
            }
        }
        assertThat(expected).isNotEmpty().allSatisfy(x -> {
            long low = x.get("low").asLong();
            long median = x.get("median").asLong();
            long high = x.get("high").asLong();
            assertThat(low).isBetween(0L, median);
            assertThat(high).isBetween(median, 300L); // seconds from now; VEO's documented range ends at 5 min
        });
        assertThat(web.get().uri("/").exchange().expectStatus().isOk().expectBody(String.class).returnResult()
                .getResponseBody()).as("the page shows it").contains("expected to end in about");
    }

    @Test
    void aFailedGenerationEndsWithItsErrorAndNothingStored() throws Exception {
        // the embedded simulator fails 10%: submit until one fails (bounded), and check that one
        for (int i = 0; i < 60; i++) {
            String id = submit("{\"family\":\"gpt-image-2\",\"model\":\"gpt-image-2\",\"prompt\":\"try " + i + "\"}");
            if (sim.truth(id).orElseThrow().outcome().raw().equals("completed")) {
                continue;
            }
            List<ServerSentEvent<String>> events = events(id);
            assertThat(events).noneMatch(e -> "stored".equals(e.event()));
            JsonNode last = json(events.stream().filter(e -> "status".equals(e.event()))
                    .reduce((a, b) -> b).orElseThrow().data());
            assertThat(last.get("state").asText()).isEqualTo("FAILED");
            assertThat(last.get("error").asText()).isNotBlank();
            return;
        }
        throw new AssertionError("no failure in 60 generations at a 10% failure rate");
    }

    private static String rejected(String body) throws Exception {
        String answer = web.post().uri("/generations").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isBadRequest().expectBody(String.class).returnResult().getResponseBody();
        return json(answer).get("error").asText();
    }

    /** A parameter the documentation does not list is sent, and the answer says so; a documented one is not noted. */
    @Test
    void anUndocumentedParameterIsSentAndNoted() throws Exception {
        String created = web.post().uri("/generations").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"family\":\"nano-banana\",\"model\":\"nano-banana\",\"prompt\":\"x\","
                        + "\"params\":{\"seed\":3,\"size\":\"1:1\"}}")
                .exchange().expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        JsonNode answer = json(created);
        assertThat(answer.get("notes")).hasSize(1);
        assertThat(answer.get("notes").get(0).asText())
                .isEqualTo("params.seed: not a documented parameter of nano-banana nano-banana; sent as it is");
        assertThat(sim.truth(answer.get("id").asText())).isPresent();
        String plain = web.post().uri("/generations").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"family\":\"nano-banana\",\"model\":\"nano-banana\",\"prompt\":\"y\"}")
                .exchange().expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        assertThat(json(plain).has("notes")).isFalse();
    }

    @Test
    void badRequestsAreNamedAndNothingIsSubmitted() throws Exception {
        int before = sim.truths().size();
        assertThat(rejected("{\"family\":\"veo\",\"model\":\"sora-2\",\"prompt\":\"x\"}")).contains("sora-2");
        assertThat(rejected("{\"family\":\"midjourney\",\"model\":\"x\",\"prompt\":\"x\"}"))
                .isEqualTo("family: 'midjourney' is not a generation family (GET /families)");
        assertThat(rejected("{\"family\":\"veo\"")).startsWith("body: not JSON");
        assertThat(rejected("{\"family\":\"veo\",\"prompt\":\"x\"}"))
                .isEqualTo("model: missing; a non-empty string is required");
        assertThat(rejected("{\"family\":\"videos\",\"model\":\"videos\",\"prompt\":\"x\",\"params\":{\"duration\":20}}"))
                .contains("duration: 20");
        assertThat(rejected("{\"family\":\"veo\",\"model\":\"veo_3_1_fast\",\"prompt\":\"x\",\"params\":{\"duration\":99}}"))
                .contains("duration: must not be sent: VEO has no duration field");
        // the model among the params: named as the HTTP caller wrote it (it named the library's Java builder)
        assertThat(rejected("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"x\","
                + "\"params\":{\"model\":\"m\"}}"))
                .isEqualTo("params.model: \"m\" is not a parameter; give the model as the top-level \"model\" field");
        assertThat(rejected("{\"family\":\"veo\",\"model\":\"veo_3_1_fast\",\"prompt\":\"x\",\"params\":[1]}"))
                .isEqualTo("params: [1] is not a JSON object of parameters");
        // a prompt that is not a string was sent as "" (generic-task) or refused as missing
        assertThat(rejected("{\"family\":\"generic-task\",\"model\":\"flux-pro\",\"prompt\":{\"text\":\"a cat\"}}"))
                .isEqualTo("prompt: {\"text\":\"a cat\"} is not a string; a string is required");
        assertThat(rejected("{\"family\":\"veo\",\"model\":\"veo_3_1_fast\",\"prompt\":42}"))
                .startsWith("prompt: 42 is not a string");
        // past the codec's buffer (256 KiB) as below the 64 KiB rule: a 400 naming the body, not a 500
        assertThat(rejected("{\"family\":\"veo\",\"model\":\"veo_3_1_fast\",\"prompt\":\"" + "x".repeat(300_000)
                + "\"}")).startsWith("body: larger than");
        assertThat(rejected("{\"family\":\"veo\",\"model\":\"veo_3_1_fast\",\"prompt\":\"" + "x".repeat(70_000)
                + "\"}")).startsWith("body: ").contains("at most 65536");
        assertThat(sim.truths()).as("nothing submitted").hasSize(before);
        web.get().uri("/generations/nope/events").exchange().expectStatus().isNotFound();
        web.get().uri("/results/nope/0.png").exchange().expectStatus().isNotFound();
        web.get().uri("/results/x/..%2F..%2Fetc%2Fpasswd").exchange().expectStatus().isNotFound();
    }

    /**
     * A client that asks for more right after a result, on the connection the result came on, is answered: Reactor
     * Netty 1.3.7's server stops reading a keep-alive connection when a request arrives before the previous
     * response's handler has ended and is then answered at once (reactor/reactor-netty#4361, fixed after 1.3.7), and a
     * result's handler ends a little after its last byte (its body is read off the event loop); the dashboard's server
     * re-arms its read after every answer ({@code KeepAliveReads}). Both kinds of client: one that waits for the last
     * byte (a browser), and one that pipelines; each then asks once more on the same connection.
     */
    @Test
    void aRequestAfterAResultOnTheSameConnectionIsAnswered() throws Exception {
        JsonNode stored = null;
        for (int i = 0; i < 20 && stored == null; i++) { // the embedded simulator fails 10%: until one is stored
            String id = submit("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"" + i + "\"}");
            for (ServerSentEvent<String> e : events(id)) {
                if ("stored".equals(e.event())) {
                    stored = json(e.data());
                }
            }
        }
        assertThat(stored).as("a result stored in 20 generations at a 10% failure rate").isNotNull();
        String result = "GET " + stored.get("url").asText() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        String listing = "GET /generations HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        for (boolean pipelined : new boolean[] {false, true}) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.setSoTimeout(10_000); // a bound on each read: a hang fails the test instead of stalling it
                java.io.InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
                // pipelined: the listing in the same write, so it arrives while the result's body is being read
                write(socket, pipelined ? result + listing : result);
                dev.taskpoll.testkit.RawHttp answer = dev.taskpoll.testkit.RawHttp.read(in);
                assertThat(answer.status()).isEqualTo(200);
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(answer.body())))
                        .as("the whole result").isEqualTo(stored.get("sha256").asText());
                for (int k = 0; k < 2; k++) { // the listing (sent with the result when pipelined), then once more
                    if (k > 0 || !pipelined) {
                        write(socket, listing);
                    }
                    answer = dev.taskpoll.testkit.RawHttp.read(in);
                    assertThat(answer.status()).as("request %d after the result (pipelined: %s)", k + 1, pipelined)
                            .isEqualTo(200);
                    assertThat(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8))
                            .contains("\"id\":\"");
                }
            }
        }
    }

    private static int port() {
        return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
    }

    /** A submit sent as given (no client's checks), with this Host and Content-Type; its answer. */
    private static dev.taskpoll.testkit.RawHttp rawSubmit(String host, String contentType) throws Exception {
        String body = "{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"a fox\"}";
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            write(socket, "POST /generations HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            return dev.taskpoll.testkit.RawHttp.read(new java.io.BufferedInputStream(socket.getInputStream()));
        }
    }

    private static void write(java.net.Socket socket, String requests) throws java.io.IOException {
        socket.getOutputStream().write(requests.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Served as the extension capture chose says, never as the result's host said: nothing runs as a page here. */
    @Test
    void aResultIsServedWithTheTypeOfItsExtension() {
        assertThat(Generations.contentType("0.webp")).isEqualTo("image/webp");
        assertThat(Generations.contentType("0.mp4")).isEqualTo("video/mp4");
        assertThat(Generations.contentType("1.txt")).isEqualTo("text/plain");
        assertThat(Generations.contentType("0.bin")).as("a type capture did not know, text/html among them")
                .isEqualTo("application/octet-stream");
        assertThat(Generations.contentType("0.html")).isEqualTo("application/octet-stream");
        assertThat(Generations.contentType("0.svg")).isEqualTo("application/octet-stream");
    }

    @Test
    void thePageAndTheFamiliesItOffers() {
        web.get().uri("/").exchange().expectStatus().isOk().expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectBody(String.class).consumeWith(r -> assertThat(r.getResponseBody())
                        .contains("<form id=\"submit\"").contains("new EventSource("));
        String families = web.get().uri("/families").exchange().expectStatus().isOk().expectBody(String.class)
                .returnResult().getResponseBody();
        assertThat(families).contains("{\"name\":\"nano-banana\",\"kind\":\"IMAGE\",\"dialect\":\"opc\"")
                .contains("\"models\":[\"nano-banana-2\"")
                .contains("{\"field\":\"resolution\",\"required\":false,\"rules\":[\"one of [1k, 2k, 4k]\"")
                .doesNotContain("ASSET");
    }
    /**
     * A submit that is not JSON (a form, or another site's page posting plain text, which needs no preflight) is
     * refused before anything is sent: such a page could otherwise start a paid generation with the dashboard's key.
     */
    @Test
    void aSubmitThatIsNotJsonIsRefusedAndNothingIsSent() {
        long before = sim.createCalls();
        String answer = web.post().uri("/generations").contentType(MediaType.TEXT_PLAIN)
                .bodyValue("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"a fox\"}")
                .exchange().expectStatus().isEqualTo(415).expectBody(String.class).returnResult().getResponseBody();
        assertThat(answer).contains("Content-Type: 'text/plain' must be application/json");
        assertThat(sim.createCalls()).isEqualTo(before);
    }

    /** A Content-Type that is not a media type is a 415 naming it, not a 500; nothing is sent. */
    @Test
    void aContentTypeThatIsNotAMediaTypeIsRefusedAndNothingIsSent() throws Exception {
        long before = sim.createCalls();
        dev.taskpoll.testkit.RawHttp answer = rawSubmit("127.0.0.1", "json"); // a client that sends it as given
        assertThat(answer.status()).isEqualTo(415);
        assertThat(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("Content-Type: 'json' is not a media type; must be application/json");
        assertThat(sim.createCalls()).isEqualTo(before);
    }

    /** Links carry the task id as one encoded path segment (a provider's id may hold any character). */
    @Test
    void linksEncodeTheTaskId() {
        assertThat(Generations.segment("a b/c?d#e%")).isEqualTo("a%20b%2Fc%3Fd%23e%25");
    }

    /**
     * When the application stops, the open event streams end: the server's graceful shutdown waited for them, and an
     * open page kept Ctrl-C waiting its whole 30 s (33.7 s measured, 3.7 s after).
     */
    @Test
    void theEventStreamsEndWhenTheApplicationStops() {
        try (dev.taskpoll.TaskpollClient client = dev.taskpoll.TaskpollClient.create(dev.taskpoll.ClientOptions
                .builder().apiKey("k").baseUrl("http://127.0.0.1:10/api").build());
             Generations g = new Generations(client, 10)) {
            reactor.test.StepVerifier.create(g.all())
                    .expectSubscription()
                    .then(g::endStreams)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
        }
    }

    /**
     * Bound to 127.0.0.1 (as here and by default), the dashboard answers only requests naming it: a page whose domain
     * was made to resolve to 127.0.0.1 (DNS rebinding) gets 403 and starts nothing.
     */
    @Test
    void aRequestNamingAnotherHostIsRefusedAndNothingIsSent() throws Exception {
        long before = sim.createCalls();
        dev.taskpoll.testkit.RawHttp answer = rawSubmit("rebound.example:" + port(), "application/json");
        assertThat(answer.status()).isEqualTo(403);
        assertThat(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("Host: 'rebound.example' is not this dashboard's address (127.0.0.1)");
        assertThat(sim.createCalls()).isEqualTo(before);
        HostCheck loopback = new HostCheck("127.0.0.1");
        assertThat(loopback.allows("localhost")).isTrue();
        assertThat(loopback.allows("localhost.")).as("the absolute form").isTrue();
        assertThat(loopback.allows("")).as("no Host (HTTP/1.0): no browser").isTrue();
        assertThat(loopback.allows("127.1")).isTrue();
        assertThat(loopback.allows("[0:0:0:0:0:0:0:1]")).isTrue();
        assertThat(loopback.allows("rebound.example.")).isFalse();
        assertThat(loopback.allows("10.0.0.1")).isFalse();
        assertThat(new HostCheck("0:0:0:0:0:0:0:1").allows("rebound.example")).as("loopback in any form")
                .isFalse();
        assertThat(new HostCheck("0.0.0.0").allows("rebound.example")).as("open to the network by choice").isTrue();
        assertThat(new HostCheck("").allows("rebound.example")).as("unset: every address").isTrue();
    }
}
