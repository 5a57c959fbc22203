package dev.taskpoll.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.TransportException;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.CaptureException;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's https path and result capture's https-only path against the simulator serving https with a
 * certificate authority made for the run, trusted through the options; and what happens when it is not trusted.
 */
class HttpsTest {

    private final SimTime time = SimTime.accelerated(300);
    private final Simulator sim = Simulator.builder().time(time).https(true).failureRate(0)
            .generationTime(Duration.ofSeconds(10), Duration.ofSeconds(20)).build().start();
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        sim.close();
    }

    private TaskpollClient client(List<X509Certificate> trusted, CaptureOptions capture) {
        return TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trustedCertificates(trusted).capture(capture)
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build()).build());
    }

    private static GenerationRequest request() {
        return GenerationRequest.builder(Family.NANO_BANANA, Family.NANO_BANANA.models().get(0)).prompt("a fox").build();
    }

    @Test
    void aGenerationIsSubmittedTrackedAndItsResultStoredOverHttps() throws Exception {
        assertThat(sim.baseUrl()).startsWith("https://127.0.0.1:");
        // plain http nowhere: the capture refuses it (allowPlainHttpOnLoopback is false)
        try (TaskpollClient client = client(List.of(sim.certificateAuthority()), CaptureOptions.builder(dir).build())) {
            java.util.concurrent.CompletableFuture<CaptureEvent.Stored> storedEvent = client.events()
                    .ofType(CaptureEvent.Stored.class).next().toFuture();
            List<TaskStatus> statuses = client.submitAndTrack(request()).collectList().block(Duration.ofSeconds(30));
            TaskStatus last = statuses.get(statuses.size() - 1);
            assertThat(last.state()).isEqualTo(TaskState.COMPLETED);
            assertThat(last.resultUrls()).isNotEmpty().allMatch(u -> u.startsWith("https://127.0.0.1:"));
            // the completed status is emitted once its results are stored
            CaptureEvent.Stored stored = storedEvent.getNow(null);
            assertThat(stored).isNotNull();
            assertThat(stored.taskId()).isEqualTo(last.taskId());
            assertThat(stored.path()).startsWith(dir);
            byte[] png = Files.readAllBytes(stored.path());
            assertThat(png).hasSize((int) stored.size()).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        }
    }

    @Test
    void openSslTracksOverHttpsAndRefusesAnUntrustedCertificateAsTheJdkDoes() {
        assertThat(io.netty.handler.ssl.OpenSsl.isAvailable()).as("BoringSSL on the test class path").isTrue();
        for (List<X509Certificate> trusted : List.of(List.of(sim.certificateAuthority()), List.<X509Certificate>of())) {
            try (TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl())
                    .apiKey(sim.apiKey()).trustedCertificates(trusted).openSsl(true)
                    .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build()).build())) {
                assertThat(client.toString()).doesNotContain(sim.apiKey());
                if (trusted.isEmpty()) {
                    assertThatThrownBy(() -> client.submit(request()).block(Duration.ofSeconds(30)))
                            .isInstanceOf(TransportException.class)
                            .hasMessageContaining("the server's certificate is not trusted");
                } else {
                    List<TaskStatus> statuses = client.submitAndTrack(request()).collectList()
                            .block(Duration.ofSeconds(30));
                    assertThat(statuses.get(statuses.size() - 1).state()).isEqualTo(TaskState.COMPLETED);
                }
            }
        }
        assertThat(sim.truths()).as("one task created, by the trusting client").hasSize(1);
    }

    @Test
    void aCertificateTheClientDoesNotTrustRefusesTheSubmitAtOnceAndNothingIsSent() {
        // the JDK's trust store, which does not know the run's authority; then another authority than the server's
        try (Simulator other = Simulator.builder().https(true).build().start()) {
            for (List<X509Certificate> trusted : List.of(List.<X509Certificate>of(),
                    List.of(other.certificateAuthority()))) {
                try (TaskpollClient client = client(trusted, CaptureOptions.builder(dir).build())) {
                    assertThatThrownBy(() -> client.submit(request()).block(Duration.ofSeconds(30)))
                            .isInstanceOf(TransportException.class)
                            .hasMessageContaining("the server's certificate is not trusted")
                            .hasMessageContaining("no task was created")
                            .hasMessageContaining("trustedCertificates");
                }
            }
        }
        assertThat(sim.truths()).as("no task was created").isEmpty();
    }

    @Test
    void aPollRefusedByTheCertificateIsRetriedAndSaysWhy() {
        // a task that exists (paid for): its polls retry, each reported with the reason, until trust is fixed
        String id = sim.createTask(Family.NANO_BANANA.createPath(), Family.NANO_BANANA.models().get(0));
        try (TaskpollClient client = client(List.of(), CaptureOptions.builder(dir).build())) {
            java.util.concurrent.CompletableFuture<dev.taskpoll.PollRetrying> retrying = client.events()
                    .ofType(dev.taskpoll.PollRetrying.class).next().toFuture();
            reactor.core.Disposable tracking = client.track(dev.taskpoll.TaskRef.of(id, Family.NANO_BANANA))
                    .subscribe(s -> { }, e -> { });
            try {
                dev.taskpoll.PollRetrying r = retrying.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.taskId()).isEqualTo(id);
                assertThat(r.failure()).isInstanceOf(TransportException.class)
                        .hasMessageContaining("the server's certificate is not trusted");
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                tracking.dispose();
            }
        }
    }

    @Test
    void aDownloadFromAHostWhoseCertificateIsNotTrustedFailsPermanentlyNamingIt() {
        try (Simulator other = Simulator.builder().https(true).build().start();
             TaskpollClient client = client(List.of(sim.certificateAuthority()), CaptureOptions.builder(dir).build());
             ResultCapture capture = ResultCapture.create(client, CaptureOptions.builder(dir.resolve("other"))
                     .trustedCertificates(List.of(other.certificateAuthority())).build())) {
            List<dev.taskpoll.TaskEvent> events = capture.attach(client.submitAndTrack(request()))
                    .collectList().block(Duration.ofSeconds(30));
            CaptureException failure = events.stream().filter(e -> e instanceof CaptureEvent.Failed)
                    .map(e -> ((CaptureEvent.Failed) e).failure()).findFirst().orElseThrow();
            assertThat(failure.isTransient()).isFalse();
            assertThat(failure.reason()).contains("is not trusted");
        }
    }

    @Test
    void noOptionTurnsVerificationOff() {
        // a guard: verification stays on whatever a user sets; trusting named certificates is the only TLS option
        for (Class<?> builder : List.of(ClientOptions.Builder.class, CaptureOptions.Builder.class)) {
            for (Method m : builder.getMethods()) {
                assertThat(m.getName().toLowerCase(Locale.ROOT)).as(builder.getName() + "." + m.getName())
                        .doesNotContain("insecure").doesNotContain("trustall").doesNotContain("verif")
                        .doesNotContain("hostname").doesNotContain("trustmanager").doesNotContain("sslcontext");
            }
        }
    }
}
