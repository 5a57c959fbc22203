package dev.taskpoll.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 offered by the client: negotiated by ALPN over https and by upgrade over plain http when the server offers
 * it, HTTP/1.1 when it does not (or when the client does not offer it). The simulator counts the status queries
 * that came over HTTP/2.
 */
class Http2Test {

    private final SimTime time = SimTime.accelerated(300);

    private Simulator simulator(boolean https, boolean http2) {
        return Simulator.builder().time(time).https(https).http2(http2).failureRate(0)
                .generationTime(Duration.ofSeconds(10), Duration.ofSeconds(20)).build().start();
    }

    /** Tracks one image to its end; returns the status queries the simulator received over HTTP/2 and in all. */
    private long[] generate(Simulator sim, @org.jspecify.annotations.Nullable Boolean offerHttp2) {
        ClientOptions.Builder b = ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build());
        if (offerHttp2 != null) {
            b.http2(offerHttp2);
        }
        if (sim.baseUrl().startsWith("https")) {
            b.trustedCertificates(List.of(sim.certificateAuthority()));
        }
        try (TaskpollClient client = TaskpollClient.create(b.build())) {
            List<TaskStatus> statuses = client.submitAndTrack(GenerationRequest.builder(Family.NANO_BANANA,
                    Family.NANO_BANANA.models().get(0)).prompt("a fox").build()).collectList()
                    .block(Duration.ofSeconds(30));
            assertThat(statuses.get(statuses.size() - 1).state()).isEqualTo(TaskState.COMPLETED);
        }
        return new long[] {sim.http2StatusQueries(), sim.statusQueries()};
    }

    @Test
    void overHttpsAlpnChoosesHttp2WhenBothOfferIt() {
        try (Simulator sim = simulator(true, true)) {
            long[] q = generate(sim, true);
            assertThat(q[1]).isPositive();
            assertThat(q[0]).as("every status query over h2").isEqualTo(q[1]);
        }
    }

    /**
     * 300 generations submitted and tracked at once over h2 (every poll on the same grid points): a few multiplexed
     * connections carry them, a new one only when those open carry {@value TaskpollClient#MAX_STREAMS} requests each.
     * Before, Reactor Netty's h2 pool opened a connection for every request waiting while the first one connected (256
     * of 256 here, as in the benchmarks).
     */
    @Test
    void overHttp2AFewConnectionsCarryHundredsOfRequestsAtOnce() {
        try (Simulator sim = simulator(true, true)) {
            trackAtOnce(sim, 300);
            assertThat(sim.http2StatusQueries()).as("every status query over h2").isEqualTo(sim.statusQueries());
            assertThat(sim.connectionsAccepted()).as("connections for 300 tasks at once").isBetween(1L, 4L);
        }
    }

    /**
     * Clients closed while 2,000 tasks are being polled over h2 leave no connection open at the server: five clients in
     * turn, each closed once the server has answered 2,000 of its polls. Reactor Netty's h2 pool, disposed, misses a
     * connection that is between two streams' hand-overs: before the client closed what its pool left open, the
     * server kept one connection of a closed client open in most rounds (scenario H saw it with {@code ss}). A bounded
     * wait for the server to see the connections closed: real sockets, not a timing claim.
     */
    @Test
    void clientsClosedWhilePollingOverHttp2LeaveNoConnectionOpen() {
        try (Simulator sim = Simulator.builder().time(time).https(true).http2(true).failureRate(0)
                .generationTime(Duration.ofHours(1), Duration.ofHours(2)).build().start()) {
            Family f = Family.NANO_BANANA;
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                ids.add(sim.createTask(f.createPath(), f.models().get(0)));
            }
            for (int round = 0; round < 5; round++) {
                ClientOptions options = ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                        .trustedCertificates(List.of(sim.certificateAuthority()))
                        .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).fixedGrid()
                                .policy(f, dev.taskpoll.PollPolicy.of(Duration.ofSeconds(1), Duration.ofHours(1)))
                                .build()).build();
                try (TaskpollClient client = TaskpollClient.create(options)) {
                    ids.forEach(id -> client.track(dev.taskpoll.TaskRef.of(id, f)).subscribe(s -> { }, e -> { }));
                    long before = sim.statusQueries();
                    reactor.core.publisher.Flux.interval(Duration.ofMillis(5)).filter(i -> sim.statusQueries()
                            > before + 2_000).next().block(Duration.ofSeconds(30)); // polls in flight when it closes
                }
                int r = round;
                Long open = reactor.core.publisher.Flux.interval(Duration.ofMillis(50)).map(i -> sim.openConnections())
                        .filter(n -> n == 0).next().timeout(Duration.ofSeconds(10),
                                reactor.core.publisher.Mono.fromSupplier(sim::openConnections)).block();
                assertThat(open).as("connections open at the server 10 s after client %d closed", r).isZero();
            }
            assertThat(sim.http2StatusQueries()).as("over h2 by default").isEqualTo(sim.statusQueries());
        }
    }

    /** The same client against a server that speaks only HTTP/1.1: one connection per request in flight, as before. */
    @Test
    void theFewConnectionsRuleIsHttp2sOnlyHttp11StillOpensWhatItNeeds() {
        try (Simulator sim = simulator(true, false)) {
            trackAtOnce(sim, 300);
            assertThat(sim.http2StatusQueries()).isZero();
            assertThat(sim.connectionsAccepted()).as("HTTP/1.1 connections for 300 tasks at once")
                    .isGreaterThan(4L).isLessThanOrEqualTo(256L);
        }
    }

    /** Submits {@code n} images at once over https with {@code http2(true)} and tracks each to its end. */
    private void trackAtOnce(Simulator sim, int n) {
        ClientOptions options = ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey()).http2(true)
                .trustedCertificates(List.of(sim.certificateAuthority()))
                // a deadline of 3 simulated hours: 300 TLS handshakes at once take real seconds, minutes at 300x
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).fixedGrid().phaseSpread(0)
                        .policy(Family.NANO_BANANA,
                                Family.NANO_BANANA.defaultPolicy().withDeadline(Duration.ofHours(3)))
                        .build()).build();
        try (TaskpollClient client = TaskpollClient.create(options)) {
            List<TaskStatus> ends = reactor.core.publisher.Flux.range(0, n)
                    .flatMap(i -> client.submitAndTrack(GenerationRequest.builder(Family.NANO_BANANA,
                            Family.NANO_BANANA.models().get(0)).prompt("a fox " + i).build()).last(), n)
                    .collectList().block(Duration.ofSeconds(60));
            assertThat(ends).hasSize(n).allMatch(s -> s.state() == TaskState.COMPLETED);
        }
        assertThat(sim.statusQueries()).isGreaterThanOrEqualTo(n);
    }

    @Test
    void aServerThatSpeaksOnlyHttp11GetsHttp11AndNothingElseChanges() {
        try (Simulator sim = simulator(true, false)) {
            long[] q = generate(sim, true);
            assertThat(q[1]).isPositive();
            assertThat(q[0]).isZero();
        }
        try (Simulator sim = simulator(false, false)) {
            long[] q = generate(sim, true);
            assertThat(q[1]).isPositive();
            assertThat(q[0]).isZero();
        }
    }

    /** The default: HTTP/2 offered over https (ALPN), not over plain http (no h2c upgrade unless asked for). */
    @Test
    void byDefaultHttpsOffersHttp2AndPlainHttpDoesNot() {
        try (Simulator sim = simulator(true, true)) {
            long[] q = generate(sim, null);
            assertThat(q[1]).isPositive();
            assertThat(q[0]).as("every status query over h2").isEqualTo(q[1]);
        }
        try (Simulator sim = simulator(false, true)) {
            long[] q = generate(sim, null);
            assertThat(q[1]).isPositive();
            assertThat(q[0]).as("no h2c over plain http by default").isZero();
        }
        assertThat(ClientOptions.builder().baseUrl("https://api.example.com").apiKey("k").build().http2()).isTrue();
        assertThat(ClientOptions.builder().baseUrl("http://127.0.0.1:8080").apiKey("k").build().http2()).isFalse();
        // a variant keeps what was said, or the default for its own URL
        assertThat(ClientOptions.builder().baseUrl("https://api.example.com").apiKey("k").build().mutate()
                .baseUrl("http://127.0.0.1:8080").build().http2()).isFalse();
    }

    @Test
    void http2FalseKeepsHttp11EvenWhenTheServerOffersHttp2() {
        try (Simulator sim = simulator(true, true)) {
            long[] q = generate(sim, false);
            assertThat(q[1]).isPositive();
            assertThat(q[0]).isZero();
        }
    }

    @Test
    void overPlainHttpH2cIsNegotiatedByUpgrade() {
        try (Simulator sim = simulator(false, true)) {
            long[] q = generate(sim, true);
            assertThat(q[1]).isPositive();
            assertThat(q[0]).as("status queries over h2c").isPositive();
        }
    }
}
