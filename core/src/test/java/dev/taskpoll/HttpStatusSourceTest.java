package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Family;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;

/** The HTTP status sources against in-process servers: paths, auth, status codes, bodies, and broken transports. */
class HttpStatusSourceTest {

    private static final String KEY = "sk-test-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private AutoCloseable server;
    private TaskpollClient client;

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private FakeHttp serve(String status, String contentType, String body) {
        FakeHttp s = FakeHttp.start((req, res) -> res
                .status(HttpResponseStatus.valueOf(Integer.parseInt(status)))
                .header("Content-Type", contentType)
                .header("Retry-After", "7")
                .sendString(Mono.just(body), StandardCharsets.UTF_8));
        server = s;
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .responseTimeout(Duration.ofMillis(500)).build());
        return s;
    }

    @Test
    void getsTheResultPathBelowTheBaseUrlWithTheBearerKey() {
        FakeHttp s = serve("200", "application/json",
                "{\"id\":\"vgen_1\",\"object\":\"video\",\"status\":\"processing\",\"video_url\":null}");
        StepVerifier.create(client.status(TaskRef.of("vgen_1", Family.VEO)))
                .assertNext(st -> assertThat(st.state()).isEqualTo(TaskState.PROCESSING))
                .expectComplete().verify(WAIT);
        assertThat(s.uris).containsExactly("/kyyReactApiServer/v1/result/vgen_1");
        assertThat(s.authorizations).containsExactly("Bearer " + KEY);
    }

    @Test
    void theGenericDialectUsesTheTaskPath() {
        FakeHttp s = serve("200", "application/json", "{\"id\":\"t1\",\"status\":\"in_progress\"}");
        StepVerifier.create(client.status(TaskRef.of("t1", Family.GENERIC_TASK)))
                .assertNext(st -> assertThat(st.state()).isEqualTo(TaskState.PROCESSING))
                .expectComplete().verify(WAIT);
        assertThat(s.uris).containsExactly("/kyyReactApiServer/v1/task/t1");
    }

    @Test
    void taskIdsCannotChangeThePath() {
        FakeHttp s = serve("200", "application/json", "{\"status\":\"queued\"}");
        for (String id : new String[] {"../x", "a/b", "x?admin=1", "%2e%2e"}) {
            StepVerifier.create(client.status(TaskRef.of(id, Family.SORA))).expectNextCount(1)
                    .expectComplete().verify(WAIT);
        }
        assertThat(s.uris).containsExactly(
                "/kyyReactApiServer/v1/result/..%2Fx",
                "/kyyReactApiServer/v1/result/a%2Fb",
                "/kyyReactApiServer/v1/result/x%3Fadmin%3D1",
                "/kyyReactApiServer/v1/result/%252e%252e");
    }

    @Test
    void a429CarriesRetryAfter() {
        serve("429", "application/json", "{\"code\":\"429\",\"msg\":\"slow down\"}");
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> {
                    ApiStatusException a = (ApiStatusException) e;
                    assertThat(a.httpStatus()).isEqualTo(429);
                    assertThat(a.retryAfter()).isEqualTo("7");
                    assertThat(a.isThrottled()).isTrue();
                    assertThat(a).hasMessage("HTTP 429 Too Many Requests for task 'x'");
                })
                .verify(WAIT);
    }

    @Test
    void errorStatusesNeverQuoteTheBodyOrTheKey() {
        serve("401", "application/json", "{\"msg\":\"bad key " + KEY + "\"}");
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ApiStatusException.class)
                        .hasMessage("HTTP 401 Unauthorized for task 'x'"))
                .verify(WAIT);
    }

    @Test
    void anHtmlErrorPageOn200IsMalformed() {
        serve("200", "text/html", "<html>gateway</html>");
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectError(MalformedResponseException.class).verify(WAIT);
    }

    @Test
    void anEmptyBodyIsMalformed() {
        serve("200", "application/json", "");
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(MalformedResponseException.class)
                        .hasMessageContaining("empty"))
                .verify(WAIT);
    }

    /**
     * A status answer that is the envelope of a business failure (HTTP 200, {@code code} other than "0", the reason in
     * {@code msg}): the failure names the code and the reason, where it said only that there was no status.
     */
    @Test
    void anEnvelopesBusinessFailureIsNamedWithItsCodeAndReason() {
        serve("200", "application/json", "{\"code\":\"500\",\"msg\":\"task not found\",\"data\":null}");
        StepVerifier.create(client.status(TaskRef.of("vgen_1", Family.VEO)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(MalformedResponseException.class)
                        .hasMessageContaining("the API answered code '500' (task not found)")
                        .hasMessageContaining("'vgen_1'"))
                .verify(WAIT);
    }

    @Test
    void aChunkedBodyOverTheCapIsRejectedWhileStreaming() {
        FakeHttp s = FakeHttp.start((req, res) -> res.header("Content-Type", "application/json")
                .sendString(Flux.range(0, 300).map(i -> "x".repeat(8192)), StandardCharsets.UTF_8));
        server = s;
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .maxResponseBytes(1 << 20).build());
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ResponseTooLargeException.class)
                        .hasMessageContaining("larger than the cap of 1048576 bytes (ClientOptions.maxResponseBytes)"))
                .verify(WAIT);
    }

    /**
     * A 503 or a 429 whose body is over the cap (a CDN's error page) is what its status says, retried as such: it was
     * a ResponseTooLargeException, permanent, which ended the task for good (a review).
     */
    @Test
    void anErrorStatusOverTheCapIsItsStatusNotTooLarge() {
        String page = "<html>" + "x".repeat(4096) + "</html>";
        for (boolean declared : new boolean[] {true, false}) {
            FakeHttp s = FakeHttp.start((req, res) -> {
                res.status(503).header("Content-Type", "text/html").header("Retry-After", "7");
                if (declared) {
                    res.header("Content-Length", Integer.toString(page.length()));
                }
                return res.sendString(declared ? Mono.just(page) : Flux.just(page.substring(0, 2000),
                        page.substring(2000)), StandardCharsets.UTF_8);
            });
            server = s;
            client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                    .maxResponseBytes(1024).build());
            StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).as(declared ? "declared length" : "chunked").isInstanceOf(ApiStatusException.class);
                        assertThat(((ApiStatusException) e).httpStatus()).isEqualTo(503);
                    })
                    .verify(WAIT);
            client.close();
            s.close();
        }
    }

    @Test
    void aDeclaredLengthOverTheCapIsRejectedBeforeReading() {
        String big = "{\"status\":\"queued\",\"pad\":\"" + "x".repeat(2048) + "\"}";
        FakeHttp s = FakeHttp.start((req, res) -> res.header("Content-Type", "application/json")
                .header("Content-Length", Integer.toString(big.length()))
                .sendString(Mono.just(big), StandardCharsets.UTF_8));
        server = s;
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .maxResponseBytes(1024).build());
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ResponseTooLargeException.class)
                        .hasMessageContaining("larger than the cap of 1024 bytes"))
                .verify(WAIT);
    }

    @Test
    void theConfiguredCapIsTheOneLimitABodyUnderItIsReadAndOneOverItIsNotRetried() {
        // 1.05 MB of status: over the 1 MiB default, under a 2 MiB cap; the JSON parser has no lower limit of its own
        String big = "{\"id\":\"x\",\"status\":\"failed\",\"error\":\"" + "e".repeat(1_050_000) + "\"}";
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        FakeHttp s = FakeHttp.start((req, res) -> {
            requests.incrementAndGet();
            return res.header("Content-Type", "application/json").sendString(Mono.just(big), StandardCharsets.UTF_8);
        });
        server = s;
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .maxResponseBytes(2 << 20).build());
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .assertNext(st -> assertThat(st.error()).hasSize(1_050_000))
                .verifyComplete();
        client.close();
        // with the default cap the same body ends tracking at once: permanent, named, not retried as transient
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .trackerOptions(TrackerOptions.builder().fixedGrid().fleet(FleetOptions.disabled()).build()).build());
        requests.set(0);
        StepVerifier.create(client.track(TaskRef.of("x", Family.SORA).withPolicy(PollPolicy.of(Duration.ofMillis(10),
                        Duration.ofSeconds(30)))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ResponseTooLargeException.class)
                        .hasMessageContaining("cap of 1048576 bytes"))
                .verify(WAIT);
        assertThat(requests.get()).isEqualTo(1);
    }

    @Test
    void aStalledServerIsATransportErrorAfterTheResponseTimeout() {
        FakeHttp s = FakeHttp.start((req, res) -> Mono.never());
        server = s;
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .responseTimeout(Duration.ofMillis(200)).build());
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TransportException.class)
                        .hasMessageContaining("'x'"))
                .verify(WAIT);
    }

    /**
     * A body dripped a byte at a time (each within the response timeout, which bounds the wait between reads only)
     * fails once it has taken longer than the response timeout since its headers, for a one-off status as for a poll,
     * which is then tried again: it held the request, and the task's polling, for ever.
     */
    @Test
    void aBodyDrippedPastTheResponseTimeoutIsATransientTransportError() {
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        FakeHttp s = FakeHttp.start((req, res) -> requests.incrementAndGet() % 2 == 1
                ? res.header("Content-Type", "application/json").chunkedTransfer(true)
                        .sendString(Flux.interval(Duration.ofMillis(50)).map(i -> " "), StandardCharsets.UTF_8)
                : res.header("Content-Type", "application/json")
                        .sendString(Mono.just("{\"id\":\"x\",\"status\":\"failed\",\"error\":\"e\"}")));
        server = s;
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .responseTimeout(Duration.ofMillis(500))
                .trackerOptions(TrackerOptions.builder().fixedGrid().fleet(FleetOptions.disabled()).build()).build());
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TransportException.class)
                        .hasMessageContaining("'x'")
                        .hasMessageContaining("the answer's body did not end within the response timeout (0.5 s)"))
                .verify(WAIT);
        requests.set(0);
        StepVerifier.create(client.track(TaskRef.of("x", Family.SORA).withPolicy(PollPolicy.of(Duration.ofMillis(10),
                        Duration.ofSeconds(30)))))
                .assertNext(st -> assertThat(st.state()).isEqualTo(TaskState.FAILED))
                .verifyComplete();
        assertThat(requests.get()).as("the dripped answer, then the one tried again").isEqualTo(2);
    }

    @Test
    void aConnectionClosedBeforeTheResponseIsATransportError() {
        DisposableServer tcp = TcpServer.create().host("127.0.0.1").port(0)
                .handle((in, out) -> in.receive().take(1).then(Mono.fromRunnable(() -> { })).then())
                .bindNow();
        server = tcp::disposeNow;
        client = TaskpollClient.create(ClientOptions.builder()
                .baseUrl("http://127.0.0.1:" + tcp.port() + "/p").apiKey(KEY).build());
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectError(TransportException.class).verify(WAIT);
    }

    @Test
    void aTruncatedBodyFailsAndIsNeverTakenAsAStatus() {
        DisposableServer tcp = TcpServer.create().host("127.0.0.1").port(0)
                .handle((in, out) -> out.sendString(Mono.just("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 200\r\n\r\n{\"id\":\"x\",\"status\":\"compl")).then())
                .bindNow();
        server = tcp::disposeNow;
        client = TaskpollClient.create(ClientOptions.builder()
                .baseUrl("http://127.0.0.1:" + tcp.port() + "/p").apiKey(KEY).build());
        StepVerifier.create(client.status(TaskRef.of("x", Family.SORA)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TaskpollException.class)
                        .isNotInstanceOf(ApiStatusException.class))
                .verify(WAIT);
    }

    @Test
    void trackingOverHttpRetriesA503ThenFinishes() {
        AtomicInteger calls = new AtomicInteger();
        FakeHttp s = FakeHttp.start((req, res) -> {
            int n = calls.incrementAndGet();
            String body = n == 1 ? "{\"status\":\"processing\"}" : "{\"status\":\"completed\",\"video_url\":\"https://x/v\"}";
            return res.status(n == 2 ? 503 : 200).sendString(Mono.just(body), StandardCharsets.UTF_8);
        });
        server = s;
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(s.baseUrl()).apiKey(KEY)
                .trackerOptions(TrackerOptions.builder().fixedGrid()
                        .transientBackoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(10), 1, 0))
                        .build())
                .build());
        PollPolicy fast = PollPolicy.of(Duration.ofMillis(20), Duration.ofSeconds(10));
        StepVerifier.create(client.track(TaskRef.of("v", Family.VEO).withPolicy(fast)))
                .expectNextMatches(st -> st.state() == TaskState.PROCESSING)
                .expectNextMatches(st -> st.state() == TaskState.COMPLETED)
                .expectComplete().verify(WAIT);
        assertThat(calls).hasValue(3);
    }
}
