package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad input fails at once with a message naming the field, the value and the rule. */
class OptionsValidationTest {

    @Test
    void taskIds() {
        assertThatThrownBy(() -> TaskRef.of("", Family.SORA)).hasMessage("id: length 0 must be between 1 and 512");
        assertThatThrownBy(() -> TaskRef.of("x".repeat(513), Family.SORA)).hasMessageContaining("id: length 513");
        assertThatThrownBy(() -> TaskRef.of("..", Family.SORA)).hasMessage("id: '..' is not a task id");
        assertThatThrownBy(() -> TaskRef.of("a\nb", Family.SORA)).hasMessageContaining("control character");
        assertThat(TaskRef.of("video_1", Family.VIDU).policy()).isNull();
    }

    @Test
    void pollPolicies() {
        assertThatThrownBy(() -> PollPolicy.of(Duration.ZERO, Duration.ofMinutes(1)))
                .hasMessage("period: PT0S must be at least 1 ms");
        assertThatThrownBy(() -> PollPolicy.of(Duration.ofSeconds(1), Duration.ZERO))
                .hasMessage("deadline: PT0S must be positive");
        assertThatThrownBy(() -> new PollPolicy(Duration.ofSeconds(-1), Duration.ofSeconds(1), Duration.ofMinutes(1)))
                .hasMessageContaining("initialDelay");
        PollPolicy p = PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(30)).withPeriod(Duration.ofSeconds(10));
        assertThat(p.initialDelay()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void familyDefaultsFollowTheDocs() {
        assertThat(Family.SORA.defaultPolicy()).isEqualTo(PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(30)));
        assertThat(Family.SEEDANCE_2_0.defaultPolicy().period()).isEqualTo(Duration.ofSeconds(20));
        assertThat(Family.NANO_BANANA.defaultPolicy()).isEqualTo(PollPolicy.of(Duration.ofSeconds(3), Duration.ofMinutes(5)));
        assertThat(Family.GPT_IMAGE_2.defaultPolicy().deadline()).isEqualTo(Duration.ofMinutes(5));
        assertThat(Family.GENERIC_TASK.defaultPolicy().period()).isEqualTo(Duration.ofSeconds(5));
        assertThat(Family.GENERIC_TASK.dialect()).isEqualTo(Dialect.TASK);
        assertThat(Family.SEEDANCE_1_5.canBeCancelled()).isTrue();
        assertThat(Family.VIDEOS.createShape()).isEqualTo(Family.CreateShape.CODE_ENVELOPE);
    }

    @Test
    void trackerOptions() {
        TrackerOptions o = TrackerOptions.builder().policy(Family.SORA, PollPolicy.of(Duration.ofSeconds(45),
                Duration.ofMinutes(20))).build();
        assertThat(o.policy(Family.SORA).period()).isEqualTo(Duration.ofSeconds(45));
        assertThat(o.policy(Family.VEO)).isEqualTo(Family.VEO.defaultPolicy());
        assertThat(o.mutate().maxTransientRetries(3).build().policy(Family.SORA).period())
                .isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> TrackerOptions.builder().maxTransientRetries(-1))
                .hasMessage("maxTransientRetries: -1 must be between 0 and 1000");
        assertThatThrownBy(() -> TrackerOptions.builder().timerResolution(Duration.ZERO))
                .hasMessageContaining("timerResolution");
        assertThatThrownBy(() -> TrackerOptions.builder().retryAfterBounds(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .hasMessageContaining("retryAfterCeiling");
    }

    @Test
    void fleetOptions() {
        assertThat(TrackerOptions.defaults().fleet()).as("on by default").isEqualTo(FleetOptions.defaults());
        assertThat(FleetOptions.defaults().enabled()).isTrue();
        assertThat(FleetOptions.ofMaxRate(200).increaseStep()).isEqualTo(10);
        assertThatThrownBy(() -> FleetOptions.ofMaxRate(0)).hasMessage("fleet.maxRate: 0 must be at least 1 per second");
        assertThatThrownBy(() -> FleetOptions.defaults().withMaxInFlight(0)).hasMessageContaining("fleet.maxInFlight");
        assertThatThrownBy(() -> FleetOptions.defaults().withCircuit(0, 10, Duration.ofSeconds(1)))
                .hasMessageContaining("fleet.circuitFailureRate");
        assertThatThrownBy(() -> TrackerOptions.builder().phaseSpread(1.5)).hasMessageContaining("phaseSpread");
    }

    @Test
    void clientOptions() {
        assertThatThrownBy(() -> ClientOptions.builder().baseUrl("ftp://x")).hasMessageContaining("baseUrl");
        assertThatThrownBy(() -> ClientOptions.builder().baseUrl("https://user:s3cret@api.example/x"))
                .hasMessageContaining("carries user info").satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain("s3cret"));
        assertThatThrownBy(() -> ClientOptions.builder().baseUrl("http://127.0.0.1:1")).as("read as a host by Reactor"
                + " Netty").hasMessage("baseUrl: 'http://127.0.0.1:1' has port 1; ports 1 to 9 are not supported (use 10 to"
                + " 65535, or none)");
        assertThatThrownBy(() -> ClientOptions.builder().baseUrl("https://x/a?b=c"))
                .hasMessageContaining("no query");
        // a query (or fragment) is not echoed: a key put there by mistake would be printed with the refusal
        assertThatThrownBy(() -> ClientOptions.builder().baseUrl("https://x/a?key=sk-s3cret"))
                .hasMessage("baseUrl: 'https://x/a?***' must have a host and no query or fragment")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> ClientOptions.builder().baseUrl("ftp://x/a#sk-s3cret"))
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> ClientOptions.builder().maxConnections(0))
                .hasMessage("maxConnections: 0 must be between 1 and 10000");
        TrackerOptions wide = TrackerOptions.builder().fleet(FleetOptions.defaults().withMaxInFlight(512)).build();
        assertThatThrownBy(() -> ClientOptions.builder().apiKey("k").trackerOptions(wide).build())
                .hasMessageStartingWith("trackerOptions.fleet.maxInFlight: 512 must not exceed maxConnections (256)");
        assertThat(ClientOptions.builder().apiKey("k").trackerOptions(wide).maxConnections(512).build()
                .maxConnections()).isEqualTo(512);
        assertThat(ClientOptions.builder().apiKey("k").maxConnections(8)
                .trackerOptions(TrackerOptions.builder().fleet(FleetOptions.disabled()).build()).build()
                .maxConnections()).as("no budget, no in-flight bound to compare").isEqualTo(8);
        assertThatThrownBy(() -> ClientOptions.builder().responseTimeout(Duration.ZERO))
                .hasMessage("responseTimeout: PT0S must be positive");
        // the transport counts it in whole milliseconds, as an int: 0.5 ms was 0, no timeout at all (a review)
        assertThatThrownBy(() -> ClientOptions.builder().connectTimeout(Duration.ofNanos(500_000)))
                .hasMessageStartingWith("connectTimeout: PT0.0005S must be 1 ms to ");
        assertThatThrownBy(() -> ClientOptions.builder().connectTimeout(Duration.ofDays(30)))
                .hasMessageStartingWith("connectTimeout: PT720H must be 1 ms to ");
        assertThatThrownBy(() -> ClientOptions.builder().connectTimeout(Duration.ofSeconds(Long.MAX_VALUE)))
                .as("named, not an ArithmeticException").hasMessageContaining("connectTimeout: ");
        assertThatThrownBy(() -> ClientOptions.builder().maxIdleTime(Duration.ZERO))
                .hasMessage("maxIdleTime: PT0S must be positive");
        assertThatThrownBy(() -> ClientOptions.builder().maxIdleTime(Duration.ofDays(2)))
                .hasMessage("maxIdleTime: PT48H must be 1 ms to 1 day (PT24H)");
        assertThat(ClientOptions.builder().apiKey("k").maxIdleTime(Duration.ofSeconds(20)).build().mutate().build()
                .maxIdleTime()).as("kept by mutate()").isEqualTo(Duration.ofSeconds(20));
        assertThatThrownBy(() -> ClientOptions.builder().apiKey("k").baseUrl("http://api.example.com").build())
                .hasMessageContaining("plain http");
        assertThat(ClientOptions.builder().apiKey("k").baseUrl("http://api.example.com").allowPlainHttp(true).build()
                .baseUrl()).isEqualTo("http://api.example.com");
        assertThat(ClientOptions.builder().apiKey("k").baseUrl("http://127.0.0.1:8080/p/").build().baseUrl())
                .isEqualTo("http://127.0.0.1:8080/p");
        // a host name that begins like a loopback address is a host on the network (it passed as loopback: a review)
        assertThatThrownBy(() -> ClientOptions.builder().apiKey("k").baseUrl("http://127.corp.example/p").build())
                .hasMessageContaining("plain http to a non-loopback host");
        assertThat(ClientOptions.builder().apiKey("k").baseUrl("http://127.1.2.3:8080").build().baseUrl())
                .isEqualTo("http://127.1.2.3:8080");
        assertThat(ClientOptions.builder().apiKey("k").build().baseUrl()).isEqualTo(ClientOptions.DEFAULT_BASE_URL);
    }

    @Test
    void aRefusedOptionGivesItsPartsForCallersThatNameItOtherwise() {
        assertThatThrownBy(() -> ClientOptions.builder().apiKey("k").baseUrl("http://api.example.com").build())
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> {
                    assertThat(e.option()).isEqualTo("baseUrl");
                    assertThat(e.problem()).isEqualTo("'http://api.example.com' is plain http to a non-loopback host;"
                            + " the API key would travel in clear text");
                    assertThat(e.remedyOption()).isEqualTo("allowPlainHttp");
                    assertThat(e.getMessage()).isEqualTo("baseUrl: " + e.problem() + "; " + e.remedy())
                            .isEqualTo(e.message(e.option(), e.remedy()));
                    assertThat(e.message("--base-url", null)).isEqualTo("--base-url: " + e.problem());
                });
        assertThatThrownBy(() -> ClientOptions.builder().baseUrl("https://user:s3cret@api.example/x"))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> {
                    assertThat(e.remedyOption()).isEqualTo("apiKey");
                    assertThat(e.problem() + e.remedy()).doesNotContain("s3cret");
                });
        // user info that the URI does not read as such (a space, no scheme, a host name it refuses): still hidden
        for (String leaky : new String[] {"https://u:p4ss w@h", "admin:p4ss@api.example.com",
            "https://u:p4ss@my_api/"}) {
            assertThatThrownBy(() -> ClientOptions.builder().baseUrl(leaky)).as(leaky)
                    .isInstanceOf(InvalidOptionException.class).hasMessageContaining("***@")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("p4ss"));
        }
        assertThatThrownBy(() -> ApiKey.of("sk-1 2")).isInstanceOfSatisfying(InvalidOptionException.class, e -> {
            assertThat(e.option()).isEqualTo("apiKey");
            assertThat(e.getMessage()).doesNotContain("sk-1").isEqualTo("apiKey: " + e.problem());
            assertThat(e.remedy()).isNull();
        });
        assertThatThrownBy(() -> FleetOptions.ofMaxRate(0)).isInstanceOfSatisfying(InvalidOptionException.class,
                e -> assertThat(e.option()).isEqualTo("fleet.maxRate"));
    }

    @Test
    void theCadenceByName() {
        assertThat(TrackerOptions.builder().cadence("FIXED").build().cadence().toString())
                .isEqualTo(TrackerOptions.builder().fixedGrid().build().cadence().toString());
        assertThat(TrackerOptions.builder().fixedGrid().cadence("learned").build().cadence())
                .isInstanceOf(dev.taskpoll.cadence.LearnedCadence.class);
        dev.taskpoll.spi.Cadence own = dev.taskpoll.spi.Cadence.fixedGrid(0.5, () -> 0.5);
        assertThat(TrackerOptions.builder().cadence(own).cadence("LEARNED").build().cadence())
                .as("the default learned cadence, not the one set before").isInstanceOf(
                        dev.taskpoll.cadence.LearnedCadence.class);
        assertThatThrownBy(() -> TrackerOptions.builder().cadence("smart"))
                .isInstanceOfSatisfying(InvalidOptionException.class, e -> assertThat(e.option()).isEqualTo("cadence"))
                .hasMessage("cadence: 'smart' is not one of learned, fixed");
    }

    @Test
    void aFailuresReasonLeavesOutTheTaskItNames() {
        TaskStoreException held = TaskStoreException.held("/x/tasks.db", "pid 42");
        assertThat(held.holder()).isEqualTo("pid 42");
        assertThat(held).hasMessageContaining("already tracked by another process (pid 42)");
        assertThat(TaskStoreException.held("/x/tasks.db", "pid 1", true))
                .as("a store of this process, not closed").hasMessageContaining("already tracked by this process (pid"
                        + " 1), by a store of it that is not closed");
        assertThat(TaskStoreException.held("/x/tasks.db", "pid " + ProcessHandle.current().pid()))
                .as("the same pid in another container: another process").hasMessageContaining("another process");
        assertThat(held.withLastStatus(null).holder()).as("kept with a status").isEqualTo("pid 42");
        assertThat(new TaskStoreException("task store /x/tasks.db is closed").holder()).isNull();
        TransportException e = new TransportException("vgen_1", "request failed: connection reset", null);
        assertThat(e.getMessage()).isEqualTo("request failed: connection reset for task 'vgen_1'");
        assertThat(e.messageWithoutTaskId()).isEqualTo("request failed: connection reset");
        assertThat(new TransportException(null, "no task", null).messageWithoutTaskId()).isEqualTo("no task");
        assertThat(TransportException.certificateProblem(e)).as("no certificate refused").isNull();
        Throwable refused = new javax.net.ssl.SSLHandshakeException("PKIX path building failed: "
                + "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path");
        assertThat(TransportException.certificateProblem(new RuntimeException("wrapped", refused)))
                .isEqualTo("PKIX path building failed: unable to find valid certification path");
        assertThat(TransportException.certificateProblem(new TransportException(null, "veo submit not sent: ...",
                new java.security.cert.CertificateExpiredException()))).as("our own words are not the TLS stack's")
                .isEqualTo("no reason given");
    }
}
